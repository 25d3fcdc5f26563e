"""The local stack's web server (``web_server.py``) on its own, in a thread: the sign-in
body is checked before a token is made, the token is the stack's (signed with its key, for
its issuer and audience, the same user for the same email), files of the build are served
and every other page path falls back to ``index.html`` (the app routes in the browser),
while ``/api/...``, ``/local/...`` and a missing asset are 404 problems."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from kairos_localstack.keys import ensure_jwt_keys
from kairos_localstack.oidc import sign_in_from_env
from kairos_localstack.web_server import (
    STAMP,
    TokenRequestError,
    _handler,
    token_request,
    web_config,
)

from .local_http import serving

GOOD = {"role": "mentee", "name": "Mia Mentee", "email": "Mia@Example.org"}


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (None, "JSON object"),
        ([], "JSON object"),
        ({**GOOD, "role": "root"}, "role must be one of"),
        ({**GOOD, "role": None}, "role must be one of"),
        ({**GOOD, "name": "  "}, "name must be"),
        ({**GOOD, "name": "x" * 201}, "name must be"),
        ({**GOOD, "name": 7}, "name must be"),
        ({**GOOD, "email": "not-an-email"}, "email must be"),
        ({**GOOD, "email": "a b@example.org"}, "email must be"),
        ({**GOOD, "sub": "not-a-uuid"}, "sub must be a UUID"),
        ({**GOOD, "zoneinfo": "Mars/Olympus"}, "zoneinfo 'Mars/Olympus' is not acceptable"),
        ({**GOOD, "zoneinfo": 5}, "zoneinfo must be a string"),
        ({**GOOD, "locale": "not a locale"}, "locale 'not a locale' is not acceptable"),
    ],
)
def test_a_bad_sign_in_body_is_refused_with_the_reason(body: object, why: str) -> None:
    with pytest.raises(TokenRequestError, match=why):
        token_request(body)


def test_the_same_email_is_the_same_user() -> None:
    sub, role, claims = token_request(GOOD)
    assert (role, claims) == ("mentee", {"name": "Mia Mentee", "email": "mia@example.org"})
    assert token_request({**GOOD, "email": "mia@example.org"})[0] == sub
    assert token_request({**GOOD, "email": "other@example.org"})[0] != sub
    chosen = uuid.uuid4()
    assert token_request({**GOOD, "sub": str(chosen)})[0] == chosen


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>app</title>")
    (dist / "assets" / "index-abc.js").write_text("console.log(1)")
    (dist / "favicon.svg").write_text("<svg/>")
    (dist / STAMP).write_text("digest\n")
    private, public = ensure_jwt_keys(tmp_path)
    config = web_config("http://stripe.test/js.stripe.com/v3/", "pk_test_x")
    handler = _handler(dist, private.read_bytes(), "kairos-local", "kairos", config)
    with serving(handler) as port:
        yield f"http://127.0.0.1:{port}", public


def test_pages_fall_back_to_the_app_and_files_are_served(served: tuple[str, Path]) -> None:
    base, _ = served
    with httpx.Client(base_url=base) as http:
        for page in ("/", "/signin", "/holds/123", "/offerings/x?next=/y", "/index.html"):
            resp = http.get(page)
            assert resp.status_code == 200, page
            assert resp.text.startswith("<!doctype html>"), page
            assert resp.headers["cache-control"] == "no-cache"
        asset = http.get("/assets/index-abc.js")
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith("text/javascript")
        assert "immutable" in asset.headers["cache-control"]
        assert http.get("/favicon.svg").text == "<svg/>"
        assert "digest" not in http.get(f"/{STAMP}").text  # the build stamp is not served
        for missing in ("/assets/gone.js", "/api/booking/x", "/local/tokens"):
            resp = http.get(missing)
            assert resp.status_code == 404, missing
            assert resp.headers["content-type"] == "application/problem+json"
        assert http.get("/../../etc/passwd").text.startswith("<!doctype html>")
        assert http.get("/config.json").json()["stripe"] == {
            "js_url": "http://stripe.test/js.stripe.com/v3/",
            "publishable_key": "pk_test_x",
        }


def test_a_local_token_is_the_stacks_or_a_problem(served: tuple[str, Path]) -> None:
    base, public = served
    with httpx.Client(base_url=base) as http:
        made = http.post("/local/tokens", json=GOOD)
        assert made.status_code == 201
        answer = made.json()
        claims = jwt.decode(
            answer["token"],
            public.read_bytes(),
            algorithms=["RS256", "EdDSA"],
            audience="kairos",
            issuer="kairos-local",
        )
        assert claims["sub"] == answer["sub"]
        assert answer["roles"] == ["mentee"]
        assert claims["email"] == "mia@example.org"
        assert "zoneinfo" not in claims and "locale" not in claims
        # The browser's zone and language, sent with the sign-in, are the token's claims.
        where = {"zoneinfo": "America/New_York", "locale": "en-US"}
        placed = http.post("/local/tokens", json={**GOOD, **where}).json()["token"]
        claims = jwt.decode(placed, public.read_bytes(), algorithms=["RS256", "EdDSA"],
                            audience="kairos", issuer="kairos-local")  # fmt: skip
        assert {k: claims[k] for k in where} == where
        refused = http.post("/local/tokens", json={**GOOD, "role": "admin ", "name": ""})
        assert refused.status_code == 422
        assert refused.json()["title"] == "Unprocessable Content"
        assert "role must be one of" in refused.json()["detail"]
        garbage = http.post(
            "/local/tokens", content=b"{", headers={"Content-Type": "application/json"}
        )
        assert garbage.status_code == 422
        assert http.post("/local/other", json=GOOD).status_code == 404


def test_signing_in_at_an_oidc_issuer_leaves_no_local_token_route(tmp_path: Path) -> None:
    """KAIROS_OIDC_ISSUER: config.json sends the app to the issuer, /local/tokens is gone."""
    env = {"KAIROS_OIDC_ISSUER": "https://id.example.org/", "KAIROS_OIDC_RESOURCE": "urn:k"}
    sign_in = sign_in_from_env(env)
    assert sign_in == {
        "kind": "oidc",
        "issuer": "https://id.example.org",
        "client_id": "kairos-web",
        "resource": "urn:k",
    }
    assert sign_in_from_env({"KAIROS_OIDC_ISSUER": " "}) is None
    private, _ = ensure_jwt_keys(tmp_path)
    config = web_config("", "", sign_in)
    with serving(_handler(None, private.read_bytes(), "i", "a", config)) as port:
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/config.json").json()["sign_in"] == sign_in
        minted = httpx.post(f"{url}/local/tokens", json=GOOD)
        assert minted.status_code == 404
        assert minted.headers["content-type"] == "application/problem+json"
