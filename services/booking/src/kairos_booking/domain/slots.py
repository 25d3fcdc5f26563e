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
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from kairos_booking.domain.model import Availability, DateOverride, Minutes, Occupied, Offering

MAX_RANGE_DAYS = 62
_DAWN = datetime.min.replace(tzinfo=UTC)  # earlier than any block's end


class Slot(NamedTuple):
    """One bookable occurrence. A named tuple rather than a frozen dataclass: a 30-day
    query builds hundreds per request and a frozen dataclass costs ~4x as much to make."""

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


def free_seats(offering: Offering, starts_at: datetime, occupied: Iterable[Occupied]) -> int:
    """Seats left in the occurrence at ``starts_at``; 0 when another of the provider's
    sessions (any offering) overlaps it, buffers included."""
    found = _sweep(offering, (starts_at,), occupied)
    return found[0].free if found else 0


def bookable_slots(
    offering: Offering,
    availability: Availability,
    zone: ZoneInfo,
    first: date,
    last: date,
    now: datetime,
    occupied: Iterable[Occupied] = (),
) -> list[Slot]:
    """The slots of ``offering`` from ``first`` to ``last`` (local dates), full ones with
    ``free`` 0; a time another session of the provider blocks is no slot at all."""
    earliest, latest = bookable_window(offering, now)
    candidates = _candidates(offering, availability, zone, first, last)  # sorted
    window = candidates[bisect_left(candidates, earliest) : bisect_right(candidates, latest)]
    return _sweep(offering, window, occupied)


def _sweep(
    offering: Offering, starts: Sequence[datetime], occupied: Iterable[Occupied]
) -> list[Slot]:
    """The slots among ``starts`` (ascending), in one pass over the
    occupied occurrences sorted by block start: O(m log m + n) instead of a search per start.

    A start has no seat when another occupied occurrence (any offering of the provider,
    including this one at another start) overlaps its block, buffers included; otherwise
    its seats are the capacity less its own live seats. The starts' blocks move forward
    together, so the occupied blocks starting before the current block ends only ever grow
    ("entered", taken in order of start). One clashes when it ends after the current block
    starts and is not the start's own occurrence: the latest end among the entered blocks
    answers that, or the second latest when the latest is the own occurrence (one row per
    occurrence: the primary key)."""
    own_id = offering.offering_id.int  # int equality: UUID.__eq__ is slow Python
    own: dict[datetime, int] = {}
    blocks: list[tuple[datetime, datetime, datetime | None]] = []
    for occ in occupied:
        live = occ.taken - occ.overdue_holds  # Occupied.live, inlined
        if live <= 0:
            continue
        if occ.offering_id.int == own_id:
            own[occ.starts_at] = own.get(occ.starts_at, 0) + live
            blocks.append((occ.block_start, occ.block_end, occ.starts_at))
        else:
            blocks.append((occ.block_start, occ.block_end, None))
    blocks.sort(key=_block_start)
    before = timedelta(minutes=offering.buffer_before_min)
    after_start = offering.duration + timedelta(minutes=offering.buffer_after_min)
    duration, capacity = offering.duration, offering.capacity
    n, i = len(blocks), 0
    latest_end = second_end = _DAWN
    latest_own: datetime | None = None  # own start of the block ending at latest_end
    slots: list[Slot] = []
    for start in starts:
        block_start, block_end = start - before, start + after_start
        while i < n and blocks[i][0] < block_end:
            _, end, own_start = blocks[i]
            if end > latest_end:
                second_end, latest_end, latest_own = latest_end, end, own_start
            elif end > second_end:
                second_end = end
            i += 1
        other_end = second_end if latest_own == start else latest_end
        if other_end > block_start:
            continue  # another session of the provider overlaps: no seat
        # full is still listed (free 0): "full" is not "not offered"
        slots.append(Slot(start, start + duration, capacity, max(capacity - own.get(start, 0), 0)))
    return slots


def _block_start(block: tuple[datetime, datetime, datetime | None]) -> datetime:
    return block[0]


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
