#!/bin/sh
# kairos-web-entrypoint: the web image's entry point. Reads the deployment's config.json
# (KAIROS_WEB_CONFIG, default /etc/kairos/web/config.json), refuses to start unless it
# signs in with an OIDC issuer, writes the Content-Security-Policy nginx sends with every
# answer (KAIROS_WEB_RUNTIME/csp.conf, default /tmp/kairos-web/csp.conf), then runs its
# arguments (the image's CMD: nginx in the foreground).
#
# The policy allows this origin; Stripe.js from the origin of stripe.js_url (script and
# frames; Stripe's *.js.stripe.com and hooks.stripe.com frames, api.stripe.com calls);
# fetches to the origin of sign_in.issuer (discovery, token and userinfo endpoints); and
# the origins listed in KAIROS_CSP_CONNECT_SRC (space separated: an issuer whose endpoints
# sit on another origin than the issuer itself). Change config.json's issuer or Stripe
# script and restart the pods: the policy is written once, at start.
set -eu

config="${KAIROS_WEB_CONFIG:-/etc/kairos/web/config.json}"
runtime="${KAIROS_WEB_RUNTIME:-/tmp/kairos-web}"
extra="${KAIROS_CSP_CONNECT_SRC:-}"

fail() {
    echo "kairos-web-entrypoint: $*" >&2
    exit 1
}

[ -r "$config" ] || fail "no $config: mount the deployment's config.json there"
json=$(tr '\n\r\t' '   ' < "$config")

# The string value of a key (config.json's keys are unique, its values plain URLs/ids).
field() {
    printf '%s' "$json" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"\\\\]*\)\".*/\1/p"
}

# scheme://host[:port] of an http(s) URL, or nothing.
origin() {
    printf '%s' "$1" \
        | sed -n 's|^\(https\{0,1\}://[A-Za-z0-9.-]\{1,\}\(:[0-9]\{1,5\}\)\{0,1\}\)\([/?].*\)\{0,1\}$|\1|p'
}

kind=$(field kind)
[ "$kind" = "oidc" ] || fail "sign_in.kind is \"$kind\" in $config: a deployment signs in with an OIDC issuer (\"oidc\")"
[ -n "$(field client_id)" ] || fail "sign_in.client_id is missing in $config"
issuer=$(origin "$(field issuer)")
[ -n "$issuer" ] || fail "sign_in.issuer in $config is not an http(s) URL"
stripe=$(origin "$(field js_url)")
[ -n "$stripe" ] || fail "stripe.js_url in $config is not an http(s) URL"
for source in $extra; do
    printf '%s' "$source" | grep -Eq '^https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$' \
        || fail "KAIROS_CSP_CONNECT_SRC: \"$source\" is not an origin (https://host[:port])"
done

policy="default-src 'self'; script-src 'self' $stripe https://*.js.stripe.com; frame-src $stripe https://*.js.stripe.com https://hooks.stripe.com; connect-src 'self' $issuer https://api.stripe.com $extra; img-src 'self' data: https://*.stripe.com; style-src 'self' 'unsafe-inline'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self' $issuer; frame-ancestors 'none'"
policy=$(printf '%s' "$policy" | tr -s ' ' | sed 's/ ;/;/g')

mkdir -p "$runtime"
printf 'add_header Content-Security-Policy "%s" always;\n' "$policy" > "$runtime/csp.conf.new"
mv "$runtime/csp.conf.new" "$runtime/csp.conf"
echo "kairos-web-entrypoint: sign-in at $issuer, Stripe.js from $stripe" >&2

exec "$@"
