"""Recurring offerings: a weekly pattern in the provider's zone -> one cycle's sessions.

Pure functions; the caller passes ``now`` (never read from the wall clock here).

A pattern entry is a weekday and a wall-clock time in the provider's zone, so a session
stays at 18:00 local across a DST change while its UTC instant moves by the offset. A
wall time that does not exist that day (spring forward) is moved forward by the gap
(02:30 -> 03:30); an ambiguous one (fall back) is the first of the two. A pattern has at
most one entry per weekday: sessions are unique per offering, mentee and local date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kairos_booking.domain.model import (
    Availability,
    Booking,
    BookingStatus,
    Offering,
    OverrideKind,
    WeeklyTime,
)
from kairos_booking.domain.slots import days

UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class PlannedSession:
    """One occurrence of the pattern inside a cycle."""

    local_date: date  # in the provider's zone
    minute: int  # past local midnight
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


def pattern_problem(pattern: Iterable[WeeklyTime]) -> str | None:
    """Why a recurring pattern is refused, or None."""
    entries = list(pattern)
    if not entries:
        return "a recurring offering needs a weekly pattern (at least one weekday and time)"
    if len({e.weekday for e in entries}) != len(entries):
        return "a pattern has at most one time per weekday (one session per date)"
    return None


def wall_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``day`` at ``minute`` past local midnight. fold=0 takes the first
    of two ambiguous times and moves a nonexistent one forward by the gap (PEP 495)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def cycle_sessions(
    offering: Offering, zone: ZoneInfo, starts_at: datetime, ends_at: datetime
) -> list[PlannedSession]:
    """Every occurrence of the pattern starting in ``[starts_at, ends_at)``, in order."""
    by_weekday = {e.weekday: e.minute for e in offering.pattern}
    first = starts_at.astimezone(zone).date()
    last = ends_at.astimezone(zone).date()
    out: list[PlannedSession] = []
    for day in days(first, last):
        minute = by_weekday.get(day.weekday())
        if minute is None:
            continue
        start = wall_instant(day, minute, zone)
        if starts_at <= start < ends_at:
            out.append(PlannedSession(day, minute, start, start + offering.duration))
    return out


def split_price(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` shares that add up exactly (the first ones get the extra
    minor units), so the credits of every occurrence sum to the cycle's price."""
    if parts <= 0:
        return []
    share, extra = divmod(total, parts)
    return [share + (1 if i < extra else 0) for i in range(parts)]


def closed_for(session: PlannedSession, offering: Offering, availability: Availability) -> bool:
    """Whether a date override rules the session out. The pattern is the programme's own
    schedule (weekly hours do not bind it), but the provider's override for that date
    does: closed shuts the day; replace keeps only its ranges, which must hold the session."""
    override = availability.overrides.get(session.local_date)
    if override is None or override.kind is OverrideKind.EXTRA:
        return False
    if override.kind is OverrideKind.CLOSED:
        return True
    end = session.minute + offering.duration_min
    return not any(r.start <= session.minute and end <= r.end for r in override.ranges)


def restorable(booking: Booking, undoes: datetime, now: datetime, zone: ZoneInfo) -> bool:
    """The restore rule of a reactivation: cancelled because of *this* unsubscribe (reason
    unsubscribed, cancelled at or after its time), dated today or later in the provider's
    zone, and not yet started (a session earlier today stays cancelled). The SQL query
    applies the same rule; this is its reference."""
    today = now.astimezone(zone).date()
    return (
        booking.status is BookingStatus.CANCELLED
        and booking.cancel_reason == UNSUBSCRIBED
        and booking.cancelled_at is not None
        and booking.cancelled_at >= undoes
        and booking.local_date is not None
        and booking.local_date >= today
        and booking.starts_at > now
    )
