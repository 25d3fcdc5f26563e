"""What every service's tests do the same way to a whole service: check its wiring against
the contracts catalog, and (integration tests) migrate its database, serve its HTTP app
behind a test key, mint tokens, deliver events as the consumer would and read its outbox."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Iterable
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from kairos_contracts import Envelope, Event, catalog
from kairos_platform.auth import JWTVerifier, StaticKeySource
from kairos_platform.messaging.consumer import Dispatcher, Record
from kairos_platform.migrations import upgrade
from kairos_platform.runtime import build_http_app
from kairos_platform.service import Service
from kairos_platform.tokens_cli import mint_token

__all__ = [
    "auth_headers",
    "bearer",
    "check_wiring_agrees_with_catalog",
    "deliver",
    "eventually",
    "outbox_rows",
    "serve_migrated",
]

_offsets = itertools.count()


def check_wiring_agrees_with_catalog(service: Service[Any], name: str) -> None:
    """The service handles only events the catalog says it consumes, on its topics, and
    ships its migrations."""
    consumed = {cls.TYPE for cls in catalog.consumed_by(name)}
    assert {cls.TYPE for cls in service.handlers} <= consumed
    assert set(service.topics) <= set(catalog.topics_consumed_by(name))
    assert service.migrations.joinpath("env.py").is_file()


async def serve_migrated(
    service: Service[Any], public_key: bytes, base_url: str, timeout: float = 30
) -> tuple[FastAPI, httpx.AsyncClient]:
    """Migrates the service's database, then its HTTP app verifying tokens signed with the
    test key, and a client calling it in process."""
    # Alembic's env runs its own event loop: give it a thread.
    await asyncio.to_thread(upgrade, service.migrations, service.settings.sqlalchemy_url)
    app = build_http_app(service)
    app.state.verifier = JWTVerifier(
        StaticKeySource.from_pem(public_key),
        issuer=service.settings.jwt_issuer,
        audience=service.settings.jwt_audience,
    )
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=base_url, timeout=timeout
    )
    return app, client


def bearer(
    service: Service[Any],
    private_key: bytes,
    user_id: uuid.UUID | str,
    roles: Iterable[str],
    claims: dict[str, Any] | None = None,
) -> str:
    """A token the service's app (as ``serve_migrated`` set it up) takes."""
    s = service.settings
    return mint_token(
        private_key,
        sub=str(user_id),
        roles=roles,
        issuer=s.jwt_issuer,
        audience=s.jwt_audience,
        extra_claims=claims or None,
    )


def auth_headers(
    service: Service[Any],
    private_key: bytes,
    user_id: uuid.UUID | str,
    roles: Iterable[str],
    claims: dict[str, Any] | None = None,
) -> dict[str, str]:
    """The Authorization header with a ``bearer`` token."""
    return {"Authorization": f"Bearer {bearer(service, private_key, user_id, roles, claims)}"}


async def deliver(dispatcher: Dispatcher, event: Event | Envelope, source: str = "booking") -> Any:
    """``event`` (wrapped as from ``source`` unless an envelope) handled as the consumer
    would handle its record."""
    env = event if isinstance(event, Envelope) else Envelope.wrap(event, source=source)
    record = Record(env.topic, 0, next(_offsets), env.key, env.to_json())
    return await dispatcher.handle(record)


async def outbox_rows(service: Service[Any], event_type: str) -> list[Any]:
    """The outbox rows of ``event_type`` (``payload`` is the envelope), in order."""
    async with service.engine.connect() as conn:
        sql = text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY id")
        return list(await conn.execute(sql, {"t": event_type}))


async def eventually(check: Any, timeout: float = 10.0, every: float = 0.05) -> Any:
    """Poll ``check`` (async, returns truthy when done) until a deadline; what it last
    returned (falsy when the deadline passed)."""
    until = time.monotonic() + timeout
    while True:
        found = await check()
        if found or time.monotonic() > until:
            return found
        await asyncio.sleep(every)
