"""Stream tokens: what a browser's EventSource opens a stream with, since it cannot send an
Authorization header. Bound to a user and their roles, short-lived, unforgeable without the
secret; a stream route takes one as ``?token=`` or the bearer header as before."""

from __future__ import annotations

import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Depends

from kairos_platform.auth import InvalidToken, OptionalUser, Principal
from kairos_platform.http import create_app
from kairos_platform.live import StreamToken, StreamTokens, stream_principal
from kairos_platform.problems import PROBLEM_CONTENT_TYPE
from kairos_platform.settings import ServiceSettings
from kairos_platform.tokens_cli import generate_keypair, mint_token

SECRET = "s" * 32
USER = uuid.UUID("7a1c1d0e-9f1e-4c55-8a40-6b2b3b8f0002")


class Clock:
    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_token_stands_for_its_user_and_roles_until_it_expires() -> None:
    clock = Clock()
    tokens = StreamTokens(SECRET, ttl_s=60, clock=clock)
    token, expires_at = tokens.issue(Principal(USER, frozenset({"mentee", "mentor"})))
    assert expires_at == datetime.fromtimestamp(clock.now + 60, UTC)
    seen = tokens.verify(token)
    assert (seen.user_id, seen.roles) == (USER, frozenset({"mentee", "mentor"}))
    clock.now += 59
    assert tokens.verify(token).user_id == USER
    clock.now += 1
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)
    # A shorter life may be asked for, never a longer one.
    clock.now = 1_900_000_000.0
    assert tokens.issue(Principal(USER, frozenset()), ttl_s=10)[1].timestamp() == clock.now + 10
    assert tokens.issue(Principal(USER, frozenset()), ttl_s=999)[1].timestamp() == clock.now + 60


def test_forged_altered_and_malformed_tokens_are_refused() -> None:
    tokens = StreamTokens(SECRET)
    token, _ = tokens.issue(Principal(USER, frozenset({"mentee"})))
    with pytest.raises(InvalidToken, match="signature"):
        StreamTokens("another-secret-of-enough-length").verify(token)
    version, body, signature = token.split(".")
    # Another user's claims under the first signature: the signature no longer matches.
    forged_body = body[:-2] + ("AA" if body[-2:] != "AA" else "BB")
    with pytest.raises(InvalidToken):
        tokens.verify(f"{version}.{forged_body}.{signature}")
    for bad in ("", "x", "lt1..", "lt1.e30.", f"lt2.{body}.{signature}", token + "x"):
        with pytest.raises(InvalidToken):
            tokens.verify(bad)
    with pytest.raises(ValueError):
        StreamTokens("short")


@pytest.fixture
def app_and_keys() -> tuple[httpx.AsyncClient, StreamTokens, bytes]:
    private, public = generate_keypair("rsa")
    tokens = StreamTokens(SECRET)
    router = APIRouter()

    async def caller_dep(bearer: OptionalUser, token: StreamToken = None) -> Principal:
        return stream_principal(tokens, token, bearer)

    @router.get("/stream")
    async def stream(caller: Principal = Depends(caller_dep)) -> dict[str, str]:  # noqa: B008
        return {"user": str(caller.user_id), "roles": ",".join(sorted(caller.roles))}

    key_file = Path(tempfile.mkdtemp()) / "pub.pem"
    key_file.write_bytes(public)
    settings = ServiceSettings(
        JWT_PUBLIC_KEY_FILE=str(key_file), JWT_ISSUER="iss", JWT_AUDIENCE="aud", LOG_JSON=False
    )
    app = create_app(settings, title="t", routers=[router])
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
    return client, tokens, private


async def test_a_stream_route_takes_the_query_token_or_the_bearer(
    app_and_keys: tuple[httpx.AsyncClient, StreamTokens, bytes],
) -> None:
    client, tokens, private = app_and_keys
    async with client:
        token, _ = tokens.issue(Principal(USER, frozenset({"mentee"})))
        ok = await client.get("/stream", params={"token": token})
        assert ok.status_code == 200, ok.text
        assert ok.json() == {"user": str(USER), "roles": "mentee"}

        bearer = mint_token(private, sub=USER, roles=["admin"], issuer="iss", audience="aud")
        header = await client.get("/stream", headers={"Authorization": f"Bearer {bearer}"})
        assert header.json() == {"user": str(USER), "roles": "admin"}

        expired = StreamTokens(SECRET, clock=Clock(0)).issue(Principal(USER, frozenset()))[0]
        forged = StreamTokens("x" * 32).issue(Principal(USER, frozenset({"admin"})))[0]
        for bad in (expired, forged, "nonsense"):
            resp = await client.get("/stream", params={"token": bad})
            assert resp.status_code == 401, resp.text
            assert resp.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE)
            assert resp.json()["type"].endswith("/invalid-stream-token")
            assert 'error="invalid_token"' in resp.headers["www-authenticate"]
        none = await client.get("/stream")
        assert none.status_code == 401
        assert none.json()["type"].endswith("/missing-token")
        # A JWT is not a stream token.
        assert (await client.get("/stream", params={"token": bearer})).status_code == 401
