"""A migrated booking database, its HTTP app with a test key, and helpers to drive it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from kairos_booking.bootstrap import bootstrap
from kairos_booking.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_platform.service import Service
from kairos_platform.settings import ServiceSettings
from kairos_platform.testing_services import auth_headers, outbox_rows, serve_migrated
from kairos_platform.tokens_cli import generate_keypair


@dataclass
class Api:
    service: Service[ServiceUnitOfWork]
    client: httpx.AsyncClient
    private_key: bytes

    def token(self, user: uuid.UUID, *roles: str, **claims: Any) -> dict[str, str]:
        return auth_headers(self.service, self.private_key, user, roles, claims)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        """Run ``sql`` in its own committed transaction and return its rows."""
        async with self.service.engine.begin() as conn:
            return list((await conn.execute(text(sql), params)).all())

    async def outbox(self, event_type: str) -> list[dict[str, Any]]:
        """The data of the outbox's ``event_type`` events, in order."""
        return [r.payload["data"] for r in await outbox_rows(self.service, event_type)]

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
    private, public = generate_keypair()
    _, client = await serve_migrated(service, public, "http://booking", timeout=5)
    async with client:
        yield Api(service, client, private)
    await service.engine.dispose()
