"""Slot generation: availability in the provider's zone -> bookable instants in UTC.

Pure functions; the caller passes ``now`` (never read from the wall clock here).

Slots follow each other inside an availability range so that one offering's sessions
never overlap, buffers included: the first starts ``buffer_before`` after the range opens,
each occupies ``[start - before, end + after]`` and the range must hold all of it.
Wall-clock times are resolved in the provider's zone: a time that does not exist (spring
forward) is skipped; an ambiguous one (fall back) is taken once, at its first occurrence.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from kairos_booking.domain.model import Availability, DateOverride, Minutes, Occupied, Offering

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


def candidate_starts(
    offering: Offering, availability: Availability, zone: ZoneInfo, first: date, last: date
) -> list[datetime]:
    """Every slot start (UTC) the hours allow, before notice, horizon and seats."""
    return list(_candidates(offering, availability, zone, first, last))


def _candidates(
    offering: Offering, availability: Availability, zone: ZoneInfo, first: date, last: date
) -> tuple[datetime, ...]:
    """``candidate_starts`` as a tuple, memoised on everything it depends on (the hours,
    the offering's duration and buffers, the zone, the dates): the same query repeated
    resolves its wall-clock times once."""
    weekly = tuple(sorted(availability.weekly.items()))
    overrides = tuple(
        sorted((d, o) for d, o in availability.overrides.items() if first <= d <= last)
    )
    shape = (offering.duration_min, offering.buffer_before_min, offering.buffer_after_min)
    return _candidates_of(shape, weekly, overrides, zone, first, last)


@lru_cache(maxsize=512)
def _candidates_of(
    shape: tuple[int, int, int],
    weekly: tuple[tuple[int, tuple[Minutes, ...]], ...],
    overrides: tuple[tuple[date, DateOverride], ...],
    zone: ZoneInfo,
    first: date,
    last: date,
) -> tuple[datetime, ...]:
    duration, before, after = shape
    availability = Availability(dict(weekly), dict(overrides))
    step = before + duration + after
    seen: set[datetime] = set()
    for day in days(first, last):
        for rng in availability.ranges_on(day):
            start = rng.start + before
            while start + duration + after <= rng.end:
                instant = resolve_wall_time(day, start, zone)
                if instant is not None:
                    seen.add(instant)
                start += step
    return tuple(sorted(seen))


def bookable_window(offering: Offering, now: datetime) -> tuple[datetime, datetime]:
    """Slots may start from ``now + minimum notice`` up to ``now + horizon``."""
    earliest = now + timedelta(minutes=offering.min_notice_min)
    return earliest, now + timedelta(days=offering.horizon_days)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def free_seats(offering: Offering, starts_at: datetime, occupied: Iterable[Occupied]) -> int:
    """Seats left in the occurrence at ``starts_at``; 0 when another of the provider's
    sessions (any offering) overlaps it, buffers included."""
    return SeatMap(offering, occupied).free(starts_at)


class SeatMap:
    """The provider's occupied occurrences indexed for many ``free`` questions about one
    offering: its own seats by start (a dict), every other block sorted by start and found
    by bisection, so a question costs O(log n + overlapping blocks) instead of O(n)."""

    def __init__(self, offering: Offering, occupied: Iterable[Occupied]) -> None:
        self._offering = offering
        # offering.block(starts_at) without building its timedeltas at every question
        self._before = timedelta(minutes=offering.buffer_before_min)
        self._after_start = offering.duration + timedelta(minutes=offering.buffer_after_min)
        self._own: dict[datetime, int] = {}
        own_id = offering.offering_id.int  # int equality: UUID.__eq__ is slow Python
        blocks: list[tuple[datetime, datetime, bool, datetime]] = []
        for occ in occupied:
            live = occ.taken - occ.overdue_holds  # Occupied.live, inlined
            if live <= 0:
                continue
            own = occ.offering_id.int == own_id
            if own:
                self._own[occ.starts_at] = self._own.get(occ.starts_at, 0) + live
            blocks.append((occ.block_start, occ.block_end, own, occ.starts_at))
        blocks.sort(key=lambda b: b[0])
        self._blocks = blocks
        self._starts = [b[0] for b in blocks]
        # a block meeting [s, e) starts after s - longest: bisection's lower bound
        self._longest = max((b[1] - b[0] for b in blocks), default=timedelta(0))

    def clashes(self, starts_at: datetime) -> bool:
        """Whether another occupied occurrence (not this one) overlaps its block."""
        block_start, block_end = starts_at - self._before, starts_at + self._after_start
        lo = bisect_left(self._starts, block_start - self._longest)
        hi = bisect_left(self._starts, block_end)
        for b_start, b_end, own, at in self._blocks[lo:hi]:
            if own and at == starts_at:
                continue  # this occurrence itself
            if _overlaps(block_start, block_end, b_start, b_end):
                return True
        return False

    def free(self, starts_at: datetime) -> int:
        if self.clashes(starts_at):
            return 0
        return max(self._offering.capacity - self._own.get(starts_at, 0), 0)


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
    candidates = _candidates(offering, availability, zone, first, last)  # sorted
    seats = SeatMap(offering, occupied)
    duration, capacity = offering.duration, offering.capacity
    slots: list[Slot] = []
    for start in candidates[bisect_left(candidates, earliest) : bisect_right(candidates, latest)]:
        free = seats.free(start)
        if free > 0:
            slots.append(Slot(start, start + duration, capacity, free))
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
