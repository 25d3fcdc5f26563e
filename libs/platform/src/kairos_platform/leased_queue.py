"""A table of work waiting for an external call (an SMTP send, say), handed out under a lease.

``claim`` takes due rows with ``FOR UPDATE SKIP LOCKED`` and stamps a lease, so replicas
never take the same row and a worker that dies lets its rows come back when the lease ends.
The table needs the columns ``id``, ``sent_at``, ``retry_at``, ``lease_until``,
``attempts``, ``last_error`` and ``created_at``; services add their own ``add`` and row
conversion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Index, Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def claim_index(table: Table) -> Index:
    """The index a claim walks: the rows not sent yet, in id order. Without it a claim
    steps over every row already sent (the primary key's order), which grows with the
    table. Declare it beside the table; migrations create it as ``unsent_id_index_sql``."""
    return Index(
        f"ix_{table.name}_unsent_id", table.c.id, postgresql_where=table.c.sent_at.is_(None)
    )


def unsent_id_index_sql(table_name: str) -> str:
    return (
        f"CREATE INDEX IF NOT EXISTS ix_{table_name}_unsent_id ON {table_name} (id) "
        "WHERE sent_at IS NULL"
    )


class LeasedQueue(Generic[T]):
    def __init__(self, session: AsyncSession, table: Table, to_item: Callable[[Any], T]) -> None:
        self._s = session
        self._t = table
        self._to_item = to_item

    async def claim(self, limit: int, lease_s: float) -> list[T]:
        c = self._t.c
        due = (
            select(c.id)
            .where(c.sent_at.is_(None), c.retry_at <= func.now())
            .where(or_(c.lease_until.is_(None), c.lease_until < func.now()))
            .order_by(c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        stmt = (
            update(self._t)
            .where(c.id.in_(due))
            .values(lease_until=func.now() + timedelta(seconds=lease_s))
            .returning(*self._t.c)
        )
        rows = sorted(await self._s.execute(stmt), key=lambda r: r._mapping["id"])
        return [self._to_item(r) for r in rows]

    async def oldest_unsent_age_s(self) -> float | None:
        """Seconds since the oldest row not yet sent was queued (None: nothing waiting)."""
        c = self._t.c
        oldest = func.extract("epoch", func.now() - func.min(c.created_at))
        age = (await self._s.execute(select(oldest).where(c.sent_at.is_(None)))).scalar()
        return None if age is None else float(age)

    async def settle(
        self, ids: Sequence[int], done: int, error: str | None, backoff_s: float
    ) -> None:
        """Record how a claimed batch went, in one transaction: the first ``done`` were
        sent; with ``error`` the next one failed and is tried again after ``backoff_s``;
        the rest were not tried and go back at once, their attempts unchanged."""
        c = self._t.c
        sent, rest = list(ids[:done]), list(ids[done:])
        if sent:
            await self._s.execute(
                update(self._t).where(c.id.in_(sent)).values(sent_at=func.now(), lease_until=None)
            )
        if rest and error is not None:
            failed, rest = rest[0], rest[1:]
            await self._s.execute(
                update(self._t)
                .where(c.id == failed)
                .values(
                    attempts=c.attempts + 1,
                    last_error=error[:1000],
                    retry_at=func.now() + timedelta(seconds=backoff_s),
                    lease_until=None,
                )
            )
        if rest:
            await self._s.execute(update(self._t).where(c.id.in_(rest)).values(lease_until=None))
