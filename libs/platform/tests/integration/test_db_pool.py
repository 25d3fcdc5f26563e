"""The services' engine replaces a pooled connection the server closed, at checkout and
without asking the server first (no ping round trips on every transaction)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_platform.db import make_engine
from kairos_platform.settings import ServiceSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(fresh_database: str) -> AsyncIterator[AsyncEngine]:
    settings = ServiceSettings(DATABASE_URL=fresh_database)
    eng = make_engine(settings, pool_size=1)
    yield eng
    await eng.dispose()


async def _pooled(engine: AsyncEngine) -> tuple[int, asyncpg.Connection]:
    """The backend pid of the pool's connection, and the driver's connection under it."""
    async with engine.connect() as conn:
        pid = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        driver = (await conn.get_raw_connection()).driver_connection
        assert isinstance(driver, asyncpg.Connection), driver
        return pid, driver


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    engine: AsyncEngine, fresh_database: str
) -> None:
    first, driver = await _pooled(engine)
    closed = asyncio.Event()
    driver.add_termination_listener(lambda _conn: closed.set())
    admin = await asyncpg.connect(fresh_database.replace("+asyncpg", ""))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", first)
    finally:
        await admin.close()
    await asyncio.wait_for(closed.wait(), 10)  # the driver saw its socket close
    assert driver.is_closed()
    # the next transaction runs on a new connection instead of failing on the dead one
    again, _ = await _pooled(engine)
    assert again != first


async def test_a_checkout_asks_the_server_nothing(engine: AsyncEngine) -> None:
    _, driver = await _pooled(engine)
    sent: list[str] = []
    driver.add_query_logger(lambda record: sent.append(record.query))
    async with engine.begin() as conn:
        await conn.execute(text("SELECT 1"))
    # (the statement itself goes as a prepared statement, which the logger does not see)
    assert sent == ["BEGIN;", "COMMIT;"]
