"""Async engine and session factory (built by a service's bootstrap, never at import), and
statements every service's projections share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg
from sqlalchemy import Table, event, exc
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.dml import ReturningInsert

from kairos_platform.settings import ServiceSettings


def make_engine(settings: ServiceSettings, *, pool_size: int = 10) -> AsyncEngine:
    engine = create_async_engine(
        settings.sqlalchemy_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
    )
    drop_closed_connections(engine)
    return engine


def drop_closed_connections(engine: AsyncEngine) -> None:
    """A pooled connection the server closed (a restarted or failed-over database) is
    replaced at checkout, without a round trip: the driver saw the socket close. SQLAlchemy's
    ``pool_pre_ping`` asks the server instead (BEGIN, a statement, ROLLBACK with asyncpg)
    on every checkout, three round trips per transaction of every process. A connection
    lost without the socket closing fails its statement; the error invalidates the pool
    and the caller's retry (a consumer's, a relay's) or a 503 covers it."""

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_connection, "_connection", None)  # asyncpg's, under the adapter
        if driver is not None and driver.is_closed():
            raise exc.DisconnectionError("the server closed this connection")


async def driver(bind: AsyncSession | AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under ``bind``, inside the transaction SQLAlchemy runs on it.

    For the few statements every event runs (the inbox claim, the outbox insert, the
    relay's pass): a statement through SQLAlchemy costs its process about two and a half
    times what the same statement costs through asyncpg (bench/README.md). The transaction
    stays SQLAlchemy's, committed or rolled back by the session or connection; its asyncpg
    adapter begins it lazily, at the first statement, so it is begun here when none has
    run yet (a raw statement must never run outside it). Parameters and results are
    asyncpg's: JSON as text in, jsonb decoded out (SQLAlchemy's codecs on the connection).
    """
    conn = await bind.connection() if isinstance(bind, AsyncSession) else bind
    adapted: Any = (await conn.get_raw_connection()).dbapi_connection
    if adapted._transaction is None:
        await adapted._start_transaction()
    driver_connection: asyncpg.Connection = adapted.driver_connection
    return driver_connection


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def newer_wins(table: Table, key: str, version: str, fields: Iterable[str]) -> ReturningInsert[Any]:
    """``INSERT .. ON CONFLICT (key) DO UPDATE SET fields WHERE stored version < new version
    RETURNING key``, for a projection that keeps the highest version of each row: a row
    comes back only when this write won. Built once (at import, it holds no connection) and
    executed with a dict of values: building the ``excluded`` columns on every write was a
    visible share of a consumer's CPU (bench/README.md)."""
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[key],
        set_={f: stmt.excluded[f] for f in fields},
        where=table.c[version] < stmt.excluded[version],
    ).returning(table.c[key])
