// Production sign-in: OpenID Connect, authorization code with PKCE (S256), as a public
// client (a browser holds no secret). oauth4webapi does the protocol: discovery, the
// challenge, the state and nonce checks, the code exchange and the ID token's validation.
// Loaded only when the deployment's config.json says `sign_in.kind: "oidc"`.
import * as oauth from "oauth4webapi";

import { ApiProblem } from "./api";
import type { OidcSignIn } from "./config";
import type { Role, Session } from "./session";

/** What the browser keeps between leaving for the issuer and coming back (this tab only). */
interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  next: string;
}

const PENDING = "kairos.oidc.pending";
export const CALLBACK_PATH = "/signin/callback";
const ROLE_ORDER: Role[] = ["admin", "mentor", "mentee"];

function redirectUri(): string {
  return window.location.origin + CALLBACK_PATH;
}

function isLoopback(url: URL): boolean {
  return url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
}

/** Plain http is allowed to a loopback issuer only (a developer's own); https otherwise. */
function httpOptions(issuer: URL): { [oauth.allowInsecureRequests]?: boolean } {
  return isLoopback(issuer) ? { [oauth.allowInsecureRequests]: true } : {};
}

function problem(title: string, detail: string, status = 0): ApiProblem {
  return new ApiProblem({ type: "about:blank", title, status, detail });
}

/** The issuer's metadata, fetched once per page load (sign-in, callback and sign-out all
 * need it); a failed fetch is forgotten so that the next try asks again. */
const discovered = new Map<string, Promise<oauth.AuthorizationServer>>();

function discover(cfg: OidcSignIn): Promise<oauth.AuthorizationServer> {
  let found = discovered.get(cfg.issuer);
  if (!found) {
    found = fetchMetadata(cfg);
    discovered.set(cfg.issuer, found);
    found.catch(() => discovered.delete(cfg.issuer));
  }
  return found;
}

async function fetchMetadata(cfg: OidcSignIn): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(cfg.issuer);
  try {
    const response = await oauth.discoveryRequest(issuer, httpOptions(issuer));
    return await oauth.processDiscoveryResponse(issuer, response);
  } catch (err) {
    throw problem("The sign-in service cannot be reached", `${cfg.issuer}: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  if (err instanceof oauth.ResponseBodyError) return err.error_description ?? err.error;
  if (err instanceof oauth.AuthorizationResponseError) return err.error_description ?? err.error;
  return err instanceof Error ? err.message : String(err);
}

/** Leaves for the issuer's sign-in page; comes back to CALLBACK_PATH. */
export async function beginSignIn(cfg: OidcSignIn, next: string): Promise<void> {
  const as = await discover(cfg);
  if (!as.authorization_endpoint) {
    throw problem("The sign-in service is misconfigured", "It names no authorization endpoint.");
  }
  const pending: Pending = {
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    next,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: cfg.client_id,
    redirect_uri: redirectUri(),
    scope: cfg.scope ?? "openid profile email",
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: "S256",
    state: pending.state,
    nonce: pending.nonce,
    ...(cfg.resource ? { resource: cfg.resource } : {}),
  }).toString();
  window.location.assign(url.toString());
}

function takePending(): Pending {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING); // one use: a replayed callback finds nothing
  if (!raw) {
    throw problem(
      "This sign-in was not started here",
      "Nothing in this tab is waiting for the sign-in service's answer. Sign in again.",
      400,
    );
  }
  return JSON.parse(raw) as Pending;
}

/** The access token's claims, unverified: the API verifies them; the app only reads roles. */
function tokenClaims(token: string): Record<string, unknown> {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function roleOf(claims: Record<string, unknown>): Role {
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  const role = ROLE_ORDER.find((r) => roles.includes(r));
  if (!role) {
    throw problem(
      "Your account has no Kairos role",
      "The sign-in service gave no mentee, mentor or admin role to this account.",
      403,
    );
  }
  return role;
}

/** Finishes the sign-in the issuer redirected back with: the session, and where to go. */
export async function completeSignIn(
  cfg: OidcSignIn,
  callback: URL,
): Promise<{ session: Session; next: string }> {
  const pending = takePending();
  const as = await discover(cfg);
  const client: oauth.Client = { client_id: cfg.client_id };
  const options = httpOptions(new URL(cfg.issuer));
  let result: oauth.TokenEndpointResponse;
  try {
    const params = oauth.validateAuthResponse(as, client, callback, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri(),
      pending.verifier,
      { ...options, ...(cfg.resource ? { additionalParameters: { resource: cfg.resource } } : {}) },
    );
    result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: pending.nonce,
      requireIdToken: true,
    });
  } catch (err) {
    throw problem("Sign-in failed", describe(err), 401);
  }
  const id = oauth.getValidatedIdTokenClaims(result);
  const access = tokenClaims(result.access_token);
  const sub = String(access.sub ?? id?.sub ?? "");
  const expiresIn = result.expires_in ?? 300;
  const session: Session = {
    token: result.access_token,
    sub,
    role: roleOf(access),
    name: String(id?.name ?? id?.email ?? sub),
    email: String(id?.email ?? ""),
    expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(),
    id_token: result.id_token,
  };
  return { session, next: pending.next };
}

/** Where to send the browser to end the issuer's session too, when the issuer says. */
export async function signOutUrl(cfg: OidcSignIn, idToken: string | undefined): Promise<string | null> {
  const as = await discover(cfg);
  if (!as.end_session_endpoint) return null;
  const url = new URL(as.end_session_endpoint);
  url.search = new URLSearchParams({
    client_id: cfg.client_id,
    post_logout_redirect_uri: window.location.origin + "/",
    ...(idToken ? { id_token_hint: idToken } : {}),
  }).toString();
  return url.toString();
}
