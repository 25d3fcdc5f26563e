"""SQL repository of calendar connections (with their failure counters)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, UUID, Row, any_, bindparam, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters.orm import calendar_entries, connections
from kairos_calendar_sync.domain.connections import Connection, ConnectionStatus, Kind

_FIELDS = [
    "connection_id",
    "user_id",
    "kind",
    "calendar_url",
    "secret",
    "status",
    "failures",
    "last_error",
    "last_error_at",
    "last_synced_at",
    "created_at",
]


# built once: every booking event asks it
_FOR_USERS = (
    select(connections)
    .where(connections.c.user_id == any_(bindparam("ids", type_=ARRAY(UUID))))
    .order_by(connections.c.created_at)
)


def to_connection(row: Row[Any]) -> Connection:
    m = {k: row._mapping[k] for k in _FIELDS}
    m["kind"] = Kind(m["kind"])
    m["status"] = ConnectionStatus(m["status"])
    m["secret"] = bytes(m["secret"])
    return Connection(**m)


class SqlConnectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, c: Connection) -> None:
        await self._s.execute(
            connections.insert().values(
                connection_id=c.connection_id,
                user_id=c.user_id,
                kind=c.kind.value,
                calendar_url=c.calendar_url,
                secret=c.secret,
            )
        )

    async def get(self, connection_id: uuid.UUID) -> Connection | None:
        q = select(connections).where(connections.c.connection_id == connection_id)
        row = (await self._s.execute(q)).first()
        return to_connection(row) if row else None

    async def many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Connection]:
        q = select(connections).where(connections.c.connection_id.in_(ids))
        return {r.connection_id: to_connection(r) for r in await self._s.execute(q)}

    async def for_users(self, user_ids: list[uuid.UUID]) -> list[Connection]:
        return [to_connection(r) for r in await self._s.execute(_FOR_USERS, {"ids": user_ids})]

    async def of_user(
        self, user_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[Connection]:
        """A user's connections by creation, then id: up to ``limit`` after the key
        ``after``."""
        c = connections.c
        q = select(connections).where(c.user_id == user_id)
        if after is not None:
            q = q.where(tuple_(c.created_at, c.connection_id) > tuple_(*after))
        q = q.order_by(c.created_at, c.connection_id).limit(limit)
        return [to_connection(r) for r in await self._s.execute(q)]

    async def remove(self, connection_id: uuid.UUID) -> None:
        await self._s.execute(
            delete(calendar_entries).where(calendar_entries.c.connection_id == connection_id)
        )
        await self._s.execute(
            delete(connections).where(connections.c.connection_id == connection_id)
        )

    async def succeeded(self, connection_id: uuid.UUID, secret: bytes | None = None) -> None:
        values: dict[str, Any] = {
            "failures": 0,
            "status": ConnectionStatus.ACTIVE.value,
            "retry_at": func.now(),
            "last_synced_at": func.now(),
        }
        if secret is not None:
            values["secret"] = secret
        await self._s.execute(
            update(connections).where(connections.c.connection_id == connection_id).values(**values)
        )

    async def failed(
        self, connection_id: uuid.UUID, error: str, backoff_s: float, broken: bool
    ) -> None:
        values: dict[str, Any] = {
            "last_error": error[:1000],
            "last_error_at": func.now(),
            "retry_at": func.now() + timedelta(seconds=backoff_s),
        }
        if broken:
            values["status"] = ConnectionStatus.BROKEN.value
        await self._s.execute(
            update(connections).where(connections.c.connection_id == connection_id).values(**values)
        )

    async def count_failure(self, connection_id: uuid.UUID) -> int | None:
        """One more failure in a row; the new count (None if the connection is gone)."""
        stmt = (
            update(connections)
            .where(connections.c.connection_id == connection_id)
            .values(failures=connections.c.failures + 1)
            .returning(connections.c.failures)
        )
        failures: int | None = (await self._s.execute(stmt)).scalar()
        return failures

    async def claim_for_reconcile(self, limit: int, interval_s: float) -> list[Connection]:
        """Active connections due for reconciliation, taken for ``interval_s`` (replica-safe)."""
        due = (
            select(connections.c.connection_id)
            .where(connections.c.status == ConnectionStatus.ACTIVE.value)
            .where(connections.c.reconcile_at <= func.now())
            .order_by(connections.c.reconcile_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        stmt = (
            update(connections)
            .where(connections.c.connection_id.in_(due))
            .values(reconcile_at=func.now() + timedelta(seconds=interval_s))
            .returning(*connections.c)
        )
        return [to_connection(r) for r in await self._s.execute(stmt)]
