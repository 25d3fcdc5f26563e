"""Idempotency-Key on real PostgreSQL: a POST done once per user and key, whatever the
number of tries, sequential or at once; another body with the key is a 422; a request
still running is a 409; a 5xx is not kept; another user's key is theirs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_platform.auth import JWTVerifier, StaticKeySource
from kairos_platform.db import make_engine
from kairos_platform.http import create_app
from kairos_platform.idempotency import IdempotencyMiddleware, idempotency_table
from kairos_platform.settings import ServiceSettings
from kairos_platform.tokens_cli import mint_token

pytestmark = pytest.mark.integration


async def _client(
    url: str, keypair: tuple[bytes, bytes], made: list[Any], gate: asyncio.Event
) -> tuple[httpx.AsyncClient, AsyncEngine]:
    settings = ServiceSettings(SERVICE_NAME="idem", DATABASE_URL=url)
    engine = make_engine(settings)
    metadata = MetaData()
    idempotency_table(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    router = APIRouter()

    @router.post("/things", status_code=201)
    async def make(body: dict[str, Any]) -> dict[str, Any]:
        if body.get("slow"):
            await gate.wait()
        if body.get("fail"):
            raise RuntimeError("boom")
        thing = {"id": str(uuid.uuid4()), **body}
        made.append(thing)
        return thing

    verifier = JWTVerifier(
        StaticKeySource.from_pem(keypair[1]), issuer="kairos-local", audience="kairos"
    )
    app = create_app(settings, title="idem", routers=[router], verifier=verifier)
    from starlette.middleware import Middleware

    app.user_middleware.append(
        Middleware(IdempotencyMiddleware, engine=engine, verifier_of=lambda: verifier)
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://t"), engine


def _auth(keypair: tuple[bytes, bytes], user: uuid.UUID, key: str) -> dict[str, str]:
    token = mint_token(keypair[0], sub=user, roles=["mentee"], issuer="kairos-local",
                       audience="kairos", ttl_s=600)  # fmt: skip
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}


async def test_one_key_one_thing(fresh_database: str, keypair: tuple[bytes, bytes]) -> None:
    made: list[Any] = []
    gate = asyncio.Event()
    client, engine = await _client(fresh_database, keypair, made, gate)
    me, other = uuid.uuid4(), uuid.uuid4()
    try:
        first = await client.post("/things", json={"n": 1}, headers=_auth(keypair, me, "k1"))
        again = await client.post("/things", json={"n": 1}, headers=_auth(keypair, me, "k1"))
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert len(made) == 1

        at_once = await asyncio.gather(*(
            client.post("/things", json={"n": 2}, headers=_auth(keypair, me, "k2"))
            for _ in range(20)
        ))  # fmt: skip
        assert len(made) == 2  # one more, whatever the racing
        won = [r for r in at_once if r.status_code == 201]
        assert won and all(r.json() == won[0].json() for r in won)
        assert {r.status_code for r in at_once} <= {201, 409}

        reused = await client.post("/things", json={"n": 3}, headers=_auth(keypair, me, "k1"))
        assert reused.status_code == 422 and reused.json()["type"].endswith(
            "/idempotency-key-reused"
        )
        theirs = await client.post("/things", json={"n": 1}, headers=_auth(keypair, other, "k1"))
        assert theirs.status_code == 201 and theirs.json() != first.json()  # keys are per user

        slow = asyncio.create_task(
            client.post("/things", json={"slow": True}, headers=_auth(keypair, me, "k3"))
        )
        while len(made) < 3:  # the slow one has claimed its key and waits at the gate
            running = await client.post(
                "/things", json={"slow": True}, headers=_auth(keypair, me, "k3")
            )
            if running.status_code == 409:
                assert running.headers["retry-after"] == "1"
                break
            await asyncio.sleep(0.01)
        gate.set()
        assert (await slow).status_code == 201

        failed = await client.post("/things", json={"fail": True}, headers=_auth(keypair, me, "k4"))
        assert failed.status_code == 500
        retried = await client.post(
            "/things", json={"fail": True}, headers=_auth(keypair, me, "k4")
        )
        assert retried.status_code == 500 and "idempotent-replayed" not in retried.headers
        bad = await client.post("/things", json={}, headers=_auth(keypair, me, "x" * 300))
        assert bad.status_code == 422
    finally:
        await client.aclose()
        await engine.dispose()


async def test_the_answer_is_kept_before_the_client_has_it(
    fresh_database: str, keypair: tuple[bytes, bytes]
) -> None:
    """A retry sent the moment the first answer arrives finds that answer, never a 409
    "still running": the answer is kept before a byte of it is sent."""
    settings = ServiceSettings(SERVICE_NAME="idem", DATABASE_URL=fresh_database)
    engine = make_engine(settings)
    metadata = MetaData()
    idempotency_table(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b'{"made": true}'})

    verifier = JWTVerifier(
        StaticKeySource.from_pem(keypair[1]), issuer="kairos-local", audience="kairos"
    )
    middleware = IdempotencyMiddleware(app, engine=engine, verifier_of=lambda: verifier)
    headers = _auth(keypair, uuid.uuid4(), "at-once")
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/things",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    kept_when_sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            async with engine.connect() as conn:
                row = await conn.execute(text("SELECT status, body FROM idempotency_keys"))
                kept_when_sent.append(tuple(row.one()))

    try:
        await middleware(scope, receive, send)
        assert kept_when_sent == [(201, b'{"made": true}')]
    finally:
        await engine.dispose()
