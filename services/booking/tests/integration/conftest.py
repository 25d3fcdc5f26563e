"""A migrated booking database, its HTTP app with a test key, and helpers to drive it."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text

import kairos_platform.migrations
from kairos_booking.bootstrap import bootstrap
from kairos_booking.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_platform.auth import JWTVerifier, StaticKeySource
from kairos_platform.runtime import build_http_app
from kairos_platform.service import Service
from kairos_platform.settings import ServiceSettings
from kairos_platform.tokens_cli import generate_keypair, mint_token


@dataclass
class Api:
    service: Service[ServiceUnitOfWork]
    client: httpx.AsyncClient
    private_key: bytes

    def token(self, user: uuid.UUID, *roles: str, **claims: Any) -> dict[str, str]:
        s = self.service.settings
        minted = mint_token(
            self.private_key,
            sub=user,
            roles=list(roles),
            issuer=s.jwt_issuer,
            audience=s.jwt_audience,
            extra_claims=claims,
        )
        return {"Authorization": f"Bearer {minted}"}

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        """Run ``sql`` in its own committed transaction and return its rows."""
        async with self.service.engine.begin() as conn:
            return list((await conn.execute(text(sql), params)).all())

    async def count(self, table: str) -> int:
        return int((await self.rows(f"SELECT count(*) FROM {table}"))[0][0])


@pytest.fixture
async def api(fresh_database: str) -> AsyncIterator[Api]:
    async with _api(fresh_database) as made:
        yield made


@pytest.fixture
async def second_api(make_database: Any) -> AsyncIterator[Api]:
    """Another migrated booking database with its app (to run one scenario two ways)."""
    async with _api(make_database("test")) as made:
        yield made


@contextlib.asynccontextmanager
async def _api(database_url: str) -> AsyncIterator[Api]:
    service = bootstrap(ServiceSettings(SERVICE_NAME="booking", DATABASE_URL=database_url))
    url = service.settings.sqlalchemy_url
    # Alembic's env runs its own event loop: give it a thread.
    await asyncio.to_thread(kairos_platform.migrations.upgrade, service.migrations, url)
    private, public = generate_keypair()
    app = build_http_app(service)
    app.state.verifier = JWTVerifier(
        StaticKeySource.from_pem(public),
        issuer=service.settings.jwt_issuer,
        audience=service.settings.jwt_audience,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://booking"
    ) as client:
        yield Api(service, client, private)
    await service.engine.dispose()
