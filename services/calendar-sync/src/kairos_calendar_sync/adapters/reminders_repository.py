"""SQL repository of the reminders planned for live bookings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters.bookings_repository import to_booking
from kairos_calendar_sync.adapters.orm import bookings, reminders
from kairos_calendar_sync.domain.bookings import Booking
from kairos_calendar_sync.domain.reminders import PlannedReminder

ReminderKey = tuple[uuid.UUID, uuid.UUID, int]


# the keys as three arrays: one cached statement whatever the batch (an IN list of key
# tuples was compiled with three parameters a key, each batch)
_MARK = text(
    """
    UPDATE reminders SET queued_at = :at, outcome = :outcome
    FROM unnest(CAST(:bookings AS uuid[]), CAST(:users AS uuid[]), CAST(:minutes AS int[]))
         AS k(booking_id, user_id, minutes_before)
    WHERE reminders.booking_id = k.booking_id AND reminders.user_id = k.user_id
      AND reminders.minutes_before = k.minutes_before
    """
)


# built once: every booking event plans its reminders
_UNQUEUED_GONE = delete(reminders).where(
    reminders.c.booking_id == bindparam("booking_id"), reminders.c.queued_at.is_(None)
)
_planned = insert(reminders)
_PLAN = _planned.on_conflict_do_update(
    index_elements=[reminders.c.booking_id, reminders.c.user_id, reminders.c.minutes_before],
    set_={
        "sequence": _planned.excluded.sequence,
        "starts_at": _planned.excluded.starts_at,
        "due_at": _planned.excluded.due_at,
        "queued_at": None,
        "outcome": None,
    },
    # a session that moved comes back to be queued again (for the new time)
    where=reminders.c.starts_at != _planned.excluded.starts_at,
)


@dataclass(frozen=True)
class DueReminder:
    reminder: PlannedReminder
    #: the booking as the projection holds it now
    booking: Booking
    #: a nearer reminder of the same person and session is due too: this one is pointless
    superseded: bool = False

    @property
    def key(self) -> ReminderKey:
        r = self.reminder
        return (r.booking_id, r.user_id, r.minutes_before)


class SqlReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def plan(self, booking_id: uuid.UUID, planned: Sequence[PlannedReminder]) -> None:
        """Make ``booking_id``'s reminders ``planned``: the unqueued others go; one whose
        session moved comes back to be queued again (for the new time)."""
        await self._s.execute(_UNQUEUED_GONE, {"booking_id": booking_id})
        if not planned:
            return
        await self._s.execute(
            _PLAN,
            [
                {
                    "booking_id": r.booking_id,
                    "user_id": r.user_id,
                    "minutes_before": r.minutes_before,
                    "sequence": r.sequence,
                    "starts_at": r.starts_at,
                    "due_at": r.due_at,
                }
                for r in planned
            ],
        )

    async def due(self, now: datetime, limit: int) -> list[DueReminder]:
        """Up to ``limit`` reminders due at ``now`` and not queued, locked for this
        transaction (replicas skip them), with their bookings, each saying whether a
        nearer reminder of the same person and session is also due (it supersedes it)."""
        r, b = reminders.c, bookings.c
        nearer = reminders.alias("nearer")
        n = nearer.c
        superseded = (
            select(n.booking_id)
            .where(n.booking_id == r.booking_id, n.user_id == r.user_id)
            .where(n.minutes_before < r.minutes_before)
            .where(n.queued_at.is_(None), n.due_at <= now)
            .exists()
        )
        q = (
            select(
                bookings,
                r.user_id.label("r_user_id"),
                r.minutes_before.label("r_minutes_before"),
                r.sequence.label("r_sequence"),
                r.starts_at.label("r_starts_at"),
                r.due_at.label("r_due_at"),
                superseded.label("r_superseded"),
            )
            .join(bookings, b.booking_id == r.booking_id)
            .where(r.queued_at.is_(None), r.due_at <= now)
            .order_by(r.due_at)
            .limit(limit)
            .with_for_update(of=reminders, skip_locked=True)
        )
        out = []
        for row in await self._s.execute(q):
            m = row._mapping
            planned = PlannedReminder(
                m["booking_id"],
                m["r_user_id"],
                m["r_minutes_before"],
                m["r_sequence"],
                m["r_starts_at"],
                m["r_due_at"],
            )
            out.append(DueReminder(planned, to_booking(row), m["r_superseded"]))
        return out

    async def mark(self, keys: Sequence[ReminderKey], outcome: str, at: datetime) -> None:
        """``keys`` are done with: queued as a mail, or not sent, and why."""
        if not keys:
            return
        bookings_, users, minutes = (list(column) for column in zip(*keys, strict=True))
        params = {"bookings": bookings_, "users": users, "minutes": minutes}
        await self._s.execute(_MARK, {**params, "at": at, "outcome": outcome})
