"""SQL repository of calendar entries: desired state per (booking, connection), leased
to one sync worker at a time, and the drift reconciliation records."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters.orm import calendar_drift, calendar_entries, connections
from kairos_calendar_sync.domain.bookings import Booking
from kairos_calendar_sync.domain.connections import ConnectionStatus, Entry

_FIELDS = [f.name for f in fields(Entry)]
E = calendar_entries.c


def to_entry(row: Row[Any]) -> Entry:
    return Entry(**{k: row._mapping[k] for k in _FIELDS})


def _key(booking_id: uuid.UUID, connection_id: uuid.UUID) -> Any:
    return and_(E.booking_id == booking_id, E.connection_id == connection_id)


class SqlEntryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def want(self, b: Booking, connection_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """The calendar should show ``b``: a newer desired state makes the row pending."""
        stmt = insert(calendar_entries).values(
            booking_id=b.booking_id,
            connection_id=connection_id,
            user_id=user_id,
            ical_uid=b.uid,
            desired_sequence=b.sequence,
            desired_status=b.status.value,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["booking_id", "connection_id"],
            set_={
                "desired_sequence": stmt.excluded.desired_sequence,
                "desired_status": stmt.excluded.desired_status,
                "pending": True,
                "attempts": 0,
                "updated_at": func.now(),
            },
            where=E.desired_sequence < stmt.excluded.desired_sequence,
        )
        await self._s.execute(stmt)

    async def claim(self, limit: int, lease_s: float) -> list[Entry]:
        """Pending rows of usable connections, leased so no other worker pushes them.

        SKIP LOCKED lets replicas claim disjoint rows; the lease (not a held lock) keeps
        them ours while we talk to the calendar outside any transaction.
        """
        due = (
            select(E.booking_id, E.connection_id)
            .join(connections, connections.c.connection_id == E.connection_id)
            .where(E.pending)
            .where(or_(E.lease_until.is_(None), E.lease_until < func.now()))
            .where(connections.c.status == ConnectionStatus.ACTIVE.value)
            .where(connections.c.retry_at <= func.now())
            .order_by(E.updated_at)
            .limit(limit)
            .with_for_update(of=calendar_entries, skip_locked=True)
            .cte("due")
        )
        stmt = (
            update(calendar_entries)
            .where(E.booking_id == due.c.booking_id, E.connection_id == due.c.connection_id)
            .values(lease_until=func.now() + timedelta(seconds=lease_s))
            .returning(*calendar_entries.c)
        )
        return [to_entry(r) for r in await self._s.execute(stmt)]

    async def synced(
        self,
        e: Entry,
        sequence: int,
        status: str,
        href: str | None,
        etag: str | None,
        external_id: str | None,
    ) -> None:
        # Still pending if the handler wanted something newer while we were writing.
        still = or_(E.desired_sequence > sequence, E.desired_status != status)
        await self._s.execute(
            update(calendar_entries)
            .where(_key(e.booking_id, e.connection_id))
            .values(
                synced_sequence=sequence,
                synced_status=status,
                href=href,
                etag=etag,
                external_id=external_id,
                pending=still,
                attempts=0,
                last_error=None,
                lease_until=None,
                updated_at=func.now(),
            )
        )

    async def failed(self, e: Entry, error: str) -> int:
        stmt = (
            update(calendar_entries)
            .where(_key(e.booking_id, e.connection_id))
            .values(attempts=E.attempts + 1, last_error=error[:1000], lease_until=None)
            .returning(E.attempts)
        )
        return int((await self._s.execute(stmt)).scalar() or 0)

    async def release(self, e: Entry) -> None:
        await self._s.execute(
            update(calendar_entries)
            .where(_key(e.booking_id, e.connection_id))
            .values(lease_until=None)
        )

    async def for_connection(self, connection_id: uuid.UUID) -> list[Entry]:
        q = select(calendar_entries).where(E.connection_id == connection_id)
        return [to_entry(r) for r in await self._s.execute(q)]

    async def resync(self, booking_id: uuid.UUID, connection_id: uuid.UUID) -> None:
        """Forget what we wrote (href/etag/id may be stale): the worker writes it afresh."""
        await self._s.execute(
            update(calendar_entries)
            .where(_key(booking_id, connection_id))
            .values(
                pending=True,
                synced_sequence=None,
                synced_status=None,
                etag=None,
                external_id=None,
                updated_at=func.now(),
            )
        )

    async def record_drift(
        self,
        connection_id: uuid.UUID,
        booking_id: uuid.UUID | None,
        uid: str,
        kind: str,
        action: str,
        detail: str | None = None,
    ) -> None:
        await self._s.execute(
            calendar_drift.insert().values(
                connection_id=connection_id,
                booking_id=booking_id,
                ical_uid=uid,
                kind=kind,
                action=action,
                detail=detail,
            )
        )
