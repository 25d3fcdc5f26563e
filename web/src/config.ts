// The app's runtime configuration, read once from /config.json (the same build runs on the
// local stack and deployed): how people sign in and where Stripe.js comes from with which
// publishable key. Locally the stack's web server answers it (localstripe's Stripe.js
// stand-in, a local sign-in); deployed, the deployment's own config.json (Stripe's script
// from https://js.stripe.com/v3/, the account's publishable key, an OIDC issuer).
export interface LocalSignIn {
  kind: "local";
  tokens_url: string;
}
/** An OpenID Connect issuer where this app is a public client (authorization code + PKCE).
 * `resource` (RFC 8707) names the API the access token is for; `scope` defaults to
 * "openid profile email". */
export interface OidcSignIn {
  kind: "oidc";
  issuer: string;
  client_id: string;
  resource?: string;
  scope?: string;
}
export interface WebConfig {
  sign_in: LocalSignIn | OidcSignIn;
  stripe: { js_url: string; publishable_key: string };
}

let loaded: Promise<WebConfig> | null = null;

export function webConfig(): Promise<WebConfig> {
  loaded ??= fetch("/config.json", { headers: { Accept: "application/json" } }).then(async (resp) => {
    if (!resp.ok) throw new Error(`/config.json answered ${resp.status}`);
    return (await resp.json()) as WebConfig;
  });
  loaded.catch(() => {
    loaded = null; // a later call tries again
  });
  return loaded;
}
