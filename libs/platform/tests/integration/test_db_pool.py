"""The services' engine replaces a pooled connection the server closed, at checkout and
without asking the server first (no ping round trips on every transaction)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_platform.db import driver, make_engine, make_session_factory
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


async def test_a_statement_on_the_driver_runs_in_the_sessions_transaction(
    engine: AsyncEngine,
) -> None:
    """``driver`` begins SQLAlchemy's transaction when no statement has yet (its adapter
    begins lazily): a raw statement run first is undone by the rollback, kept by the commit,
    and the statements through SQLAlchemy after it share its transaction."""
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE marks (n int)"))
    sessions = make_session_factory(engine)
    async with sessions() as session:
        pg = await driver(session)
        await pg.execute("INSERT INTO marks VALUES (1)")
        txid = await pg.fetchval("SELECT txid_current()")
        assert (await session.execute(text("SELECT txid_current()"))).scalar_one() == txid
        await session.rollback()
    async with sessions() as session:
        pg = await driver(session)
        await pg.execute("INSERT INTO marks VALUES (2)")
        await session.execute(text("INSERT INTO marks VALUES (3)"))
        await session.commit()
    async with engine.connect() as conn:
        kept = (await conn.execute(text("SELECT n FROM marks ORDER BY n"))).scalars().all()
    assert kept == [2, 3]


async def test_the_driver_under_a_connection_begins_its_transaction(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE marks (n int)"))
    with pytest.raises(RuntimeError):
        async with engine.connect() as conn, conn.begin():
            await (await driver(conn)).execute("INSERT INTO marks VALUES (1)")
            raise RuntimeError("rolled back")
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM marks"))).scalar_one() == 0
