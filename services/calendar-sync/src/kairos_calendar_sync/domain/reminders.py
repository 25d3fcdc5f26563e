"""When a session's reminders are due: pure rules, no clock read in place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from kairos_calendar_sync.domain.bookings import Booking

# Of reminders found due together for one person and session (late, after a downtime),
# only the nearest to the start goes: "in 24 hours" followed by "in 1 hour" a second later
# says nothing the second does not. The reminder repository marks the others superseded.

#: 24 hours and 1 hour before, unless the offering says otherwise
DEFAULT_MINUTES_BEFORE: tuple[int, ...] = (1440, 60)


@dataclass(frozen=True)
class PlannedReminder:
    booking_id: uuid.UUID
    user_id: uuid.UUID
    minutes_before: int
    sequence: int
    starts_at: datetime
    due_at: datetime


def minutes_before(b: Booking) -> tuple[int, ...]:
    return DEFAULT_MINUTES_BEFORE if b.reminder_minutes is None else b.reminder_minutes


def plan(b: Booking, now: datetime) -> list[PlannedReminder]:
    """The reminders ``b`` should still get: one per participant with an address and per
    offset, those already past at ``now`` left out (a session booked 30 minutes ahead gets
    no 1-hour reminder: its confirmation came moments ago). None for a cancelled one."""
    if not b.live:
        return []
    return [
        PlannedReminder(
            b.booking_id, p.user_id, m, b.sequence, b.starts_at, b.starts_at - timedelta(minutes=m)
        )
        for p in b.participants
        if p.email
        for m in minutes_before(b)
        if b.starts_at - timedelta(minutes=m) > now
    ]


def too_late(starts_at: datetime, now: datetime) -> bool:
    """A reminder found due after its session began (the service was down) is not sent."""
    return starts_at <= now


#: a reminder this late says how long is really left rather than its planned lead
LATE_AFTER = timedelta(minutes=5)


def lead_minutes(r: PlannedReminder, now: datetime) -> int:
    """The lead a reminder's mail announces: its own ("in 24 hours") when on time; what is
    left, in whole minutes, when it went late (the service was down)."""
    if now - r.due_at <= LATE_AFTER:
        return r.minutes_before
    return max(1, int((r.starts_at - now).total_seconds() // 60))
