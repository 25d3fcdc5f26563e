// A real OpenID Connect issuer for the browser tests of production sign-in: panva's
// oidc-provider (certified; it refuses a public client's authorization request without a
// PKCE S256 challenge and a code redeemed without its verifier), with its development
// login and consent pages. The web app signs in against it exactly as it would against a
// deployment's issuer; the stack trusts its JWT access tokens (JWT_ISSUER / JWKS_URL).
//
//   node tests/oidc/issuer.mjs --port P --client-id C --redirect-uri U --audience A
//        --accounts FILE
//
// FILE maps each account's login (its user id, a UUID: the API's `sub`) to what the
// tokens say of it: {"<uuid>": {"roles": ["mentee"], "name": "...", "email": "..."}}.
// An unknown login is refused. Prints "ready <issuer URL>" once it listens.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import Provider from "oidc-provider";

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    "client-id": { type: "string" },
    "redirect-uri": { type: "string", multiple: true },
    audience: { type: "string", default: "kairos" },
    resource: { type: "string", default: "https://api.kairos.test/" },
    accounts: { type: "string" },
  },
});
const accounts = JSON.parse(readFileSync(args.accounts, "utf8"));
const issuer = `http://127.0.0.1:${args.port}`;
const origins = args["redirect-uri"].map((uri) => new URL(uri).origin);

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args["client-id"],
      token_endpoint_auth_method: "none", // a browser app holds no secret: PKCE instead
      grant_types: ["authorization_code"],
      response_types: ["code"],
      redirect_uris: args["redirect-uri"],
      post_logout_redirect_uris: origins.map((origin) => `${origin}/`),
    },
  ],
  pkce: { required: () => true },
  // The login is the account's id; the claims are the account file's.
  async findAccount(_ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: account.name, email: account.email };
      },
    };
  },
  claims: { openid: ["sub"], profile: ["name"], email: ["email"] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => args.resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => {
        if (indicator !== args.resource) throw new Provider.errors.InvalidTarget();
        return {
          scope: "kairos",
          audience: args.audience,
          accessTokenFormat: "jwt",
          accessTokenTTL: 3600,
          jwt: { sign: { alg: "RS256" } },
        };
      },
    },
  },
  // The API reads who may do what from the access token's `roles`.
  async extraTokenClaims(_ctx, token) {
    if (token.kind !== "AccessToken") return undefined;
    return { roles: accounts[token.accountId]?.roles ?? [] };
  },
  clientBasedCORS: (_ctx, origin) => origins.includes(origin),
});
provider.proxy = false;

const server = provider.listen(Number(args.port), "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
