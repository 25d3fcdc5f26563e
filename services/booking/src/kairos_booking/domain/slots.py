"""Slot generation: availability in the provider's zone -> bookable instants in UTC.

Pure functions; the caller passes ``now`` (never read from the wall clock here).

Slots follow each other inside an availability range so that one offering's sessions
never overlap, buffers included: the first starts ``buffer_before`` after the range opens,
each occupies ``[start - before, end + after]`` and the range must hold all of it.
Wall-clock times are resolved in the provider's zone: a time that does not exist (spring
forward) is skipped; an ambiguous one (fall back) is taken once, at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kairos_booking.domain.model import Availability, Minutes, Occupied, Offering

MAX_RANGE_DAYS = 62


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC
    capacity: int
    free: int

    def local_start(self, zone: ZoneInfo) -> datetime:
        return self.starts_at.astimezone(zone)


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def resolve_wall_time(day: date, minute: int, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of ``day`` at ``minute`` past local midnight, or None if it does
    not exist that day (the gap of a spring-forward change)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    local = wall.replace(tzinfo=zone, fold=0)  # fold=0: the first of two ambiguous times
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def starts_in_range(rng: Minutes, offering: Offering) -> Iterator[int]:
    """Minutes past midnight at which sessions start inside one availability range."""
    before, after = offering.buffer_before_min, offering.buffer_after_min
    step = before + offering.duration_min + after
    start = rng.start + before
    while start + offering.duration_min + after <= rng.end:
        yield start
        start += step


def candidate_starts(
    offering: Offering, availability: Availability, zone: ZoneInfo, first: date, last: date
) -> list[datetime]:
    """Every slot start (UTC) the hours allow, before notice, horizon and seats."""
    seen: set[datetime] = set()
    out: list[datetime] = []
    for day in days(first, last):
        for rng in availability.ranges_on(day):
            for minute in starts_in_range(rng, offering):
                instant = resolve_wall_time(day, minute, zone)
                if instant is not None and instant not in seen:
                    seen.add(instant)
                    out.append(instant)
    return sorted(out)


def bookable_window(offering: Offering, now: datetime) -> tuple[datetime, datetime]:
    """Slots may start from ``now + minimum notice`` up to ``now + horizon``."""
    earliest = now + timedelta(minutes=offering.min_notice_min)
    return earliest, now + timedelta(days=offering.horizon_days)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def free_seats(offering: Offering, starts_at: datetime, occupied: Iterable[Occupied]) -> int:
    """Seats left in the occurrence at ``starts_at``; 0 when another of the provider's
    sessions (any offering) overlaps it, buffers included."""
    block_start, block_end = offering.block(starts_at)
    free = offering.capacity
    for occ in occupied:
        if occ.live <= 0:
            continue
        if occ.offering_id == offering.offering_id and occ.starts_at == starts_at:
            free -= occ.live
        elif _overlaps(block_start, block_end, occ.block_start, occ.block_end):
            return 0
    return max(free, 0)


def bookable_slots(
    offering: Offering,
    availability: Availability,
    zone: ZoneInfo,
    first: date,
    last: date,
    now: datetime,
    occupied: Iterable[Occupied] = (),
) -> list[Slot]:
    """The slots of ``offering`` from ``first`` to ``last`` (local dates) with free seats."""
    earliest, latest = bookable_window(offering, now)
    taken = list(occupied)
    slots: list[Slot] = []
    for start in candidate_starts(offering, availability, zone, first, last):
        if not earliest <= start <= latest:
            continue
        free = free_seats(offering, start, taken)
        if free > 0:
            slots.append(Slot(start, start + offering.duration, offering.capacity, free))
    return slots


def is_slot(offering: Offering, availability: Availability, zone: ZoneInfo, at: datetime) -> bool:
    """Whether ``at`` is a slot start the hours allow (whatever the seats)."""
    local_day = at.astimezone(zone).date()
    # a slot's wall-clock day is its local date; look one day either side for safety
    near = candidate_starts(
        offering, availability, zone, local_day - timedelta(days=1), local_day + timedelta(days=1)
    )
    return at.astimezone(UTC) in near


def check_range(first: date, last: date) -> str | None:
    """Why a slot query range is refused, or None."""
    if last < first:
        return "'to' must not be before 'from'"
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        return f"a slot query covers at most {MAX_RANGE_DAYS} days"
    return None
