"""The local stack signing people in at an OpenID Connect issuer, as a deployment does.

With ``KAIROS_OIDC_ISSUER`` set (a developer's own issuer, or the browser tests' one), the
services trust that issuer's tokens (``JWT_ISSUER`` is the issuer, ``JWKS_URL`` its
``jwks_uri``), the web app's ``/config.json`` says ``sign_in.kind: "oidc"`` and the local
token route is gone. ``KAIROS_OIDC_CLIENT_ID`` names the web app's client (default
``kairos-web``; registered at the issuer as a public client, authorization code + PKCE,
redirect URI ``<web URL>signin/callback``); ``KAIROS_OIDC_RESOURCE`` is the API's resource
indicator (RFC 8707) when the issuer needs one to issue a JWT for the API's audience.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from kairos_localstack.proc import StartupError
from kairos_localstack.web_server import oidc_sign_in

__all__ = ["CLIENT_ID_ENV", "ISSUER_ENV", "RESOURCE_ENV", "discover_jwks_uri", "sign_in_from_env"]

ISSUER_ENV = "KAIROS_OIDC_ISSUER"
CLIENT_ID_ENV = "KAIROS_OIDC_CLIENT_ID"
RESOURCE_ENV = "KAIROS_OIDC_RESOURCE"


def sign_in_from_env(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The web app's ``sign_in`` configuration the environment asks for, or None (local)."""
    issuer = env.get(ISSUER_ENV, "").strip()
    if not issuer:
        return None
    return oidc_sign_in(
        issuer.rstrip("/"),
        env.get(CLIENT_ID_ENV, "").strip() or "kairos-web",
        env.get(RESOURCE_ENV, "").strip() or None,
    )


def discover_jwks_uri(issuer: str, timeout_s: float = 10.0) -> str:
    """The issuer's ``jwks_uri`` from its discovery document (a StartupError saying why not:
    the services could not verify a single token otherwise)."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        resp = httpx.get(url, timeout=timeout_s)
        resp.raise_for_status()
        document = resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise StartupError(f"{ISSUER_ENV}: cannot read {url}: {exc}") from exc
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise StartupError(f"{ISSUER_ENV}: {url} names issuer {document.get('issuer')!r}")
    jwks_uri = document.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not jwks_uri:
        raise StartupError(f"{ISSUER_ENV}: {url} names no jwks_uri")
    return jwks_uri
