"""Production sign-in in a real browser: the web app signs people in at an OpenID Connect
issuer (authorization code with PKCE) and the API trusts the issuer's access tokens.

This module runs a stack of its own (booking only: what the signed-in pages here call)
started with ``KAIROS_OIDC_ISSUER`` (``kairos_localstack.oidc``): its services verify tokens
with the issuer's JWKS, its ``/config.json`` says ``sign_in.kind: "oidc"`` and it has no
local token route, as deployed. The issuer is panva's oidc-provider
(``kairos_e2e.oidc_issuer``), which refuses a public client without PKCE S256. The browser
tests are ``web/tests/oidc.spec.ts`` (tagged ``@oidc``)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from kairos_e2e.oidc_issuer import RESOURCE, Account, OidcIssuer
from kairos_e2e.web import failure, run_playwright
from kairos_localstack.ports import free_port
from kairos_localstack.services import by_name
from kairos_localstack.stack import temporary_stack
from kairos_localstack.state import StackState

pytestmark = pytest.mark.e2e

ACCOUNTS = [
    Account("Olga Mentee", "olga@example.org", ("mentee",)),
    Account("Nobody Special", "nobody@example.org", ()),
]


@pytest.fixture(scope="module")
def oidc_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StackState, str]]:
    folder = tmp_path_factory.mktemp("oidc")
    gateway_port = free_port()  # the issuer must know the app's callback before the stack runs
    issuer = OidcIssuer(ACCOUNTS, f"http://127.0.0.1:{gateway_port}/signin/callback", folder)
    issuer.start()
    try:
        env = {"KAIROS_OIDC_ISSUER": issuer.url, "KAIROS_OIDC_RESOURCE": RESOURCE}
        with temporary_stack(
            "kairos-oidc-", env, services=by_name(["booking"]), gateway_port=gateway_port
        ) as state:
            yield state, issuer.url
    finally:
        issuer.stop()


def test_the_deployed_shape_no_local_sign_in(oidc_stack: tuple[StackState, str]) -> None:
    """config.json sends people to the issuer, and the local token route is gone."""
    state, issuer = oidc_stack
    config = httpx.get(f"{state.gateway_url}/config.json", timeout=10).json()
    assert config["sign_in"] == {
        "kind": "oidc",
        "issuer": issuer,
        "client_id": "kairos-web",
        "resource": RESOURCE,
    }
    minted = httpx.post(
        f"{state.gateway_url}/local/tokens",
        json={"role": "admin", "name": "Mallory", "email": "m@example.org"},
        timeout=10,
    )
    assert minted.status_code == 404
    assert minted.headers["content-type"].startswith("application/problem+json")


@pytest.mark.timeout(300)
def test_signing_in_at_the_issuer_in_a_browser(oidc_stack: tuple[StackState, str]) -> None:
    state, issuer = oidc_stack
    accounts = {
        "issuer": issuer,
        "accounts": {
            a.email: {"sub": str(a.sub), "name": a.name, "roles": list(a.roles)} for a in ACCOUNTS
        },
    }
    run = run_playwright(
        state, suite="oidc", timeout_s=240, extra_env={"KAIROS_OIDC": json.dumps(accounts)}
    )
    assert run.returncode == 0, failure(run, suite="oidc")
