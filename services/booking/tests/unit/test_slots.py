"""Slot generation with fixed clocks: zones, DST, buffers, notice, horizon, seats."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kairos_booking.domain.model import (
    Availability,
    DateOverride,
    Minutes,
    Occupied,
    Offering,
    OverrideKind,
)
from kairos_booking.domain.slots import Slot, bookable_slots, check_range, free_seats, is_slot

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def offering(
    *,
    capacity: int = 1,
    duration_min: int = 60,
    buffer_before_min: int = 0,
    buffer_after_min: int = 0,
    min_notice_min: int = 0,
    horizon_days: int = 4000,
) -> Offering:
    return Offering(
        offering_id=uuid.uuid4(),
        provider_id=uuid.uuid4(),
        title="T",
        duration_min=duration_min,
        price_minor=100,
        currency="EUR",
        capacity=capacity,
        buffer_before_min=buffer_before_min,
        buffer_after_min=buffer_after_min,
        min_notice_min=min_notice_min,
        horizon_days=horizon_days,
    )


def every_day(*ranges: tuple[int, int]) -> Availability:
    mins = tuple(Minutes(a * 60, b * 60) for a, b in ranges)
    return Availability(weekly=dict.fromkeys(range(7), mins))


def local_times(slots: list[Slot], zone: ZoneInfo) -> list[str]:
    return [s.starts_at.astimezone(zone).strftime("%m-%d %H:%M %z") for s in slots]


def test_spring_forward_keeps_wall_clock_times_and_skips_the_missing_hour() -> None:
    # Madrid: 2025-03-30 02:00 -> 03:00. Hours 01:00-05:00 every day.
    found = bookable_slots(
        offering(), every_day((1, 5)), MADRID, date(2025, 3, 29), date(2025, 3, 30), LONG_AGO
    )
    assert local_times(found, MADRID) == [
        "03-29 01:00 +0100", "03-29 02:00 +0100", "03-29 03:00 +0100", "03-29 04:00 +0100",
        # 02:00 does not exist on the 30th: skipped; the others keep their wall-clock time
        "03-30 01:00 +0100", "03-30 03:00 +0200", "03-30 04:00 +0200",
    ]  # fmt: skip


def test_fall_back_takes_the_ambiguous_hour_once() -> None:
    # New York: 2025-11-02 02:00 EDT -> 01:00 EST; 01:00-02:00 happens twice.
    found = bookable_slots(
        offering(), every_day((0, 3)), NEW_YORK, date(2025, 11, 2), date(2025, 11, 2), LONG_AGO
    )
    assert local_times(found, NEW_YORK) == [
        "11-02 00:00 -0400", "11-02 01:00 -0400", "11-02 02:00 -0500",
    ]  # fmt: skip
    assert [s.starts_at.hour for s in found] == [4, 5, 7]  # UTC
    assert found[1].ends_at - found[1].starts_at == timedelta(minutes=60)


def test_a_dst_week_keeps_9_am_local_while_utc_moves() -> None:
    found = bookable_slots(
        offering(), every_day((9, 10)), MADRID, date(2025, 3, 27), date(2025, 4, 2), LONG_AGO
    )
    assert {s.starts_at.astimezone(MADRID).hour for s in found} == {9}
    assert [s.starts_at.hour for s in found] == [8, 8, 8, 7, 7, 7, 7]


def test_buffers_space_slots_and_must_fit_inside_the_range() -> None:
    found = bookable_slots(
        offering(duration_min=45, buffer_before_min=10, buffer_after_min=5),
        every_day((9, 12)),
        ZoneInfo("UTC"),
        date(2030, 1, 1),
        date(2030, 1, 1),
        LONG_AGO,
    )
    # 09:10 (block 09:00-10:00), 10:10, 11:10 (block ends 12:00 exactly)
    assert [s.starts_at.strftime("%H:%M") for s in found] == ["09:10", "10:10", "11:10"]


def test_past_slots_notice_and_horizon_are_excluded() -> None:
    now = datetime(2030, 1, 1, 9, 30, tzinfo=UTC)
    o = offering(min_notice_min=120, horizon_days=1)
    found = bookable_slots(
        o, every_day((9, 17)), ZoneInfo("UTC"), date(2030, 1, 1), date(2030, 1, 3), now
    )
    starts = [s.starts_at for s in found]
    assert min(starts) == datetime(2030, 1, 1, 12, tzinfo=UTC)  # 11:30 + notice -> 12:00
    assert max(starts) == datetime(2030, 1, 2, 9, tzinfo=UTC)  # horizon: now + 1 day


def test_overrides_close_replace_or_add_hours() -> None:
    day = date(2030, 1, 7)
    base = every_day((9, 11))
    cases = {
        OverrideKind.CLOSED: [],
        OverrideKind.REPLACE: ["15:00"],
        OverrideKind.EXTRA: ["09:00", "10:00", "15:00"],
    }
    for kind, expected in cases.items():
        ranges = () if kind is OverrideKind.CLOSED else (Minutes(15 * 60, 16 * 60),)
        hours = Availability(base.weekly, {day: DateOverride(day, kind, ranges)})
        found = bookable_slots(offering(), hours, ZoneInfo("UTC"), day, day, LONG_AGO)
        assert [s.starts_at.strftime("%H:%M") for s in found] == expected, kind


def test_seats_taken_and_overlapping_sessions_of_the_provider_are_subtracted() -> None:
    o = offering(capacity=3, buffer_after_min=15)
    utc = ZoneInfo("UTC")

    def at(h: int, m: int = 0) -> datetime:
        return datetime(2030, 1, 1, h, m, tzinfo=UTC)

    other = uuid.uuid4()
    occupied = [
        Occupied(o.offering_id, at(9), at(9), at(10, 15), taken=2),
        Occupied(o.offering_id, at(10, 15), at(10, 15), at(11, 30), taken=3, overdue_holds=1),
        # another offering of the provider, 11:45-12:15: its block overlaps the 11:30 slot
        Occupied(other, at(11, 45), at(11, 45), at(12, 15), taken=1),
    ]
    found = bookable_slots(
        o, every_day((9, 14)), utc, date(2030, 1, 1), date(2030, 1, 1), LONG_AGO, occupied
    )
    assert [(s.starts_at.strftime("%H:%M"), s.free) for s in found] == [
        ("09:00", 1), ("10:15", 1), ("12:45", 3),
    ]  # fmt: skip


def test_is_slot_and_range_checks() -> None:
    o = offering()
    hours = every_day((9, 11))
    assert is_slot(o, hours, MADRID, datetime(2030, 1, 1, 8, tzinfo=UTC))  # 09:00 Madrid
    assert not is_slot(o, hours, MADRID, datetime(2030, 1, 1, 8, 30, tzinfo=UTC))
    assert check_range(date(2030, 1, 2), date(2030, 1, 1))
    assert check_range(date(2030, 1, 1), date(2030, 3, 4))  # 63 days
    assert check_range(date(2030, 1, 1), date(2030, 3, 3)) is None  # 62 days


def _naive_slot(off: Offering, starts_at: datetime, occupied: list[Occupied]) -> int | None:
    """The reference rule, one occupied occurrence at a time (the former quadratic loop):
    the seats a start gives (0: full), or None when another session blocks it (no slot)."""
    block_start, block_end = off.block(starts_at)
    free = off.capacity
    for occ in occupied:
        if occ.live <= 0:
            continue
        if occ.offering_id == off.offering_id and occ.starts_at == starts_at:
            free -= occ.live
        elif block_start < occ.block_end and occ.block_start < block_end:
            return None
    return max(free, 0)


def test_indexed_seat_matching_equals_the_reference_rule_on_random_schedules() -> None:
    import random

    rng = random.Random(20261122)
    zone = MADRID
    first = date(2025, 10, 20)
    last = date(2025, 11, 2)  # crosses the fall-back change
    for _ in range(60):
        off = offering(
            capacity=rng.randint(1, 4),
            duration_min=rng.choice([30, 45, 60]),
            buffer_before_min=rng.choice([0, 10]),
            buffer_after_min=rng.choice([0, 15]),
        )
        hours = every_day((rng.randint(0, 8), rng.randint(12, 24)))
        now = datetime(2025, 10, 21, rng.randint(0, 23), tzinfo=UTC)
        own = [s.starts_at for s in bookable_slots(off, hours, zone, first, last, LONG_AGO)]
        others = [uuid.uuid4() for _ in range(3)]
        occupied: list[Occupied] = []
        for at in rng.sample(own, min(len(own), rng.randint(0, 40))):
            bs, be = off.block(at)
            taken = rng.randint(0, off.capacity + 1)
            occupied.append(Occupied(off.offering_id, at, bs, be, taken, rng.randint(0, taken)))
        for _ in range(rng.randint(0, 30)):  # other offerings' sessions, any length
            at = datetime(2025, 10, 20, tzinfo=UTC) + timedelta(minutes=15 * rng.randint(0, 1300))
            length = timedelta(minutes=rng.choice([15, 60, 240, 1500]))
            occupied.append(Occupied(rng.choice(others), at, at, at + length, rng.randint(0, 2)))
        rng.shuffle(occupied)
        found = bookable_slots(off, hours, zone, first, last, now, occupied)
        earliest, latest = (
            now + timedelta(minutes=off.min_notice_min),
            now + timedelta(days=off.horizon_days),
        )
        expected = [
            (at, _naive_slot(off, at, occupied))
            for at in own
            if earliest <= at <= latest and _naive_slot(off, at, occupied) is not None
        ]
        assert [(s.starts_at, s.free) for s in found] == expected


def test_a_session_under_the_own_occurrences_longer_block_still_clashes() -> None:
    # The own occurrence at 10:00 was booked when the offering had a long buffer (its
    # stored block runs to 13:00); another offering's session 10:30-11:00 lies inside it.
    # The own block must not hide that session: 10:00 has no seat, and nothing until 11:00.
    o = offering(capacity=2)

    def at(h: int, m: int = 0) -> datetime:
        return datetime(2030, 1, 1, h, m, tzinfo=UTC)

    occupied = [
        Occupied(o.offering_id, at(10), at(10), at(13), taken=1),
        Occupied(uuid.uuid4(), at(10, 30), at(10, 30), at(11), taken=1),
    ]
    found = bookable_slots(
        o,
        every_day((9, 14)),
        ZoneInfo("UTC"),
        date(2030, 1, 1),
        date(2030, 1, 1),
        LONG_AGO,
        occupied,
    )
    # 11:00 and 12:00 fall inside the own 10:00 occurrence's stored block: they clash with it
    assert [(s.starts_at.hour, s.free) for s in found] == [(9, 2), (13, 2)]
    assert free_seats(o, at(10), occupied) == 0
    assert free_seats(o, at(10), occupied[:1]) == 1


def test_seat_sweep_equals_the_reference_rule_with_own_sessions_off_the_grid() -> None:
    """Own occurrences at starts the hours no longer give, and own blocks stored with other
    buffers than the offering has now (it was edited), against the reference rule."""
    import random

    rng = random.Random(20261206)
    zone = NEW_YORK
    first, last = date(2025, 3, 5), date(2025, 3, 12)  # crosses the spring-forward change
    for _ in range(80):
        off = offering(
            capacity=rng.randint(1, 3),
            duration_min=rng.choice([20, 30, 60]),
            buffer_before_min=rng.choice([0, 5, 30]),
            buffer_after_min=rng.choice([0, 10]),
        )
        hours = every_day((rng.randint(0, 10), rng.randint(11, 24)))
        own = [s.starts_at for s in bookable_slots(off, hours, zone, first, last, LONG_AGO)]
        occupied: list[Occupied] = []
        base = datetime(2025, 3, 5, tzinfo=UTC)
        for _ in range(rng.randint(0, 60)):
            on_grid = own and rng.random() < 0.6
            at = rng.choice(own) if on_grid else base + timedelta(minutes=5 * rng.randint(0, 2400))
            if any(o.starts_at == at for o in occupied):
                continue  # one row per occurrence
            before = timedelta(minutes=rng.choice([0, 5, 45]))
            after = timedelta(minutes=rng.choice([20, 30, 90, 200]))
            taken = rng.randint(0, off.capacity + 1)
            overdue = rng.randint(0, taken)
            occupied.append(Occupied(off.offering_id, at, at - before, at + after, taken, overdue))
        for _ in range(rng.randint(0, 20)):
            at = base + timedelta(minutes=5 * rng.randint(0, 2400))
            length = timedelta(minutes=rng.choice([5, 30, 600]))
            occupied.append(Occupied(uuid.uuid4(), at, at, at + length, rng.randint(0, 2)))
        rng.shuffle(occupied)
        found = bookable_slots(off, hours, zone, first, last, LONG_AGO, occupied)
        expected = [(at, _naive_slot(off, at, occupied)) for at in own]
        assert [(s.starts_at, s.free) for s in found] == [e for e in expected if e[1] is not None]
        for at, free in expected:
            assert free_seats(off, at, occupied) == (free or 0)
