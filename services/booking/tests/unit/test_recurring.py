"""The recurring pattern -> a cycle's sessions, the price split and the restore rule (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kairos_booking.domain import recurring
from kairos_booking.domain.model import (
    Availability,
    Booking,
    BookingStatus,
    DateOverride,
    Minutes,
    Offering,
    OfferingKind,
    OverrideKind,
    WeeklyTime,
)

MADRID = ZoneInfo("Europe/Madrid")


def _programme(*pattern: WeeklyTime) -> Offering:
    return Offering(
        uuid.uuid4(), uuid.uuid4(), "Programme", 60, 4000, "EUR", 2,
        kind=OfferingKind.RECURRING, pattern=pattern,
    )  # fmt: skip


def test_a_cycle_across_the_spring_change_keeps_18_00_local() -> None:
    # Tuesdays 18:00 in Madrid; 2030-03-31 is the last Sunday of March (CET -> CEST)
    offering = _programme(WeeklyTime(1, 18 * 60))
    start, end = datetime(2030, 3, 15, tzinfo=UTC), datetime(2030, 4, 15, tzinfo=UTC)
    sessions = recurring.cycle_sessions(offering, MADRID, start, end)
    assert [s.local_date for s in sessions] == [
        date(2030, 3, 19), date(2030, 3, 26), date(2030, 4, 2), date(2030, 4, 9),
    ]  # fmt: skip
    assert {s.starts_at.astimezone(MADRID).hour for s in sessions} == {18}
    assert [s.starts_at.hour for s in sessions] == [17, 17, 16, 16]  # UTC moves an hour
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in sessions)


def test_the_cycle_is_half_open_and_in_the_providers_zone() -> None:
    offering = _programme(WeeklyTime(0, 0), WeeklyTime(3, 23 * 60 + 30))
    # 2030-01-06 23:00 UTC is Monday 2030-01-07 00:00 in Madrid: the first session
    start = datetime(2030, 1, 6, 23, tzinfo=UTC)
    end = start + timedelta(days=7)  # the next Monday 00:00 local is excluded
    sessions = recurring.cycle_sessions(offering, MADRID, start, end)
    assert [(s.local_date, s.minute) for s in sessions] == [
        (date(2030, 1, 7), 0), (date(2030, 1, 10), 23 * 60 + 30),
    ]  # fmt: skip


def test_a_wall_time_in_the_spring_gap_moves_forward_and_the_fall_one_is_the_first() -> None:
    gap = recurring.wall_instant(date(2030, 3, 31), 2 * 60 + 30, MADRID)
    assert gap.astimezone(MADRID).strftime("%H:%M") == "03:30"
    twice = recurring.wall_instant(date(2030, 10, 27), 2 * 60 + 30, MADRID)
    assert twice == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)  # still CEST (+02:00)


def test_the_price_splits_exactly() -> None:
    assert recurring.split_price(4000, 4) == [1000] * 4
    assert recurring.split_price(1000, 3) == [334, 333, 333]
    assert sum(recurring.split_price(999, 5)) == 999
    assert recurring.split_price(100, 0) == []


def test_a_pattern_has_at_least_one_entry_and_one_per_weekday() -> None:
    assert recurring.pattern_problem([]) is not None
    assert recurring.pattern_problem([WeeklyTime(1, 600), WeeklyTime(1, 700)]) is not None
    assert recurring.pattern_problem([WeeklyTime(1, 600), WeeklyTime(3, 600)]) is None


def test_overrides_close_or_narrow_the_date_and_weekly_hours_do_not_bind() -> None:
    offering = _programme(WeeklyTime(1, 18 * 60))
    start = datetime(2030, 3, 1, tzinfo=UTC)
    tue = recurring.cycle_sessions(offering, MADRID, start, start + timedelta(days=7))[0]
    none = Availability()
    closed = Availability(
        overrides={tue.local_date: DateOverride(tue.local_date, OverrideKind.CLOSED)}
    )
    narrow = Availability(
        overrides={
            tue.local_date: DateOverride(tue.local_date, OverrideKind.REPLACE, (Minutes(540, 720),))
        }
    )
    wide = Availability(
        overrides={
            tue.local_date: DateOverride(tue.local_date, OverrideKind.REPLACE, (Minutes(0, 1440),))
        }
    )
    assert not recurring.closed_for(tue, offering, none)
    assert recurring.closed_for(tue, offering, closed)
    assert recurring.closed_for(tue, offering, narrow)
    assert not recurring.closed_for(tue, offering, wide)


def _cancelled(starts_at: datetime, cancelled_at: datetime, reason: str) -> Booking:
    b = Booking(
        uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), starts_at,
        starts_at + timedelta(hours=1), uuid.uuid4(), "subscription", 1000, "EUR",
        local_date=starts_at.astimezone(MADRID).date(),
    )  # fmt: skip
    b.cancel(cancelled_at, "mentee", reason, 0)
    return b


def test_the_restore_rule_of_seed_000() -> None:
    undo = datetime(2030, 3, 5, 9, tzinfo=UTC)
    now = datetime(2030, 3, 12, 17, 30, tzinfo=UTC)  # Tuesday 18:30 in Madrid
    later_today = datetime(2030, 3, 12, 18, tzinfo=UTC)
    earlier_today = datetime(2030, 3, 12, 16, tzinfo=UTC)
    ok = _cancelled(later_today, undo, "unsubscribed")
    assert recurring.restorable(ok, undo, now, MADRID)
    assert not recurring.restorable(
        _cancelled(earlier_today, undo, "unsubscribed"), undo, now, MADRID
    )
    assert not recurring.restorable(_cancelled(later_today, undo, "by_mentee"), undo, now, MADRID)
    before = _cancelled(later_today, undo - timedelta(seconds=1), "unsubscribed")
    assert not recurring.restorable(before, undo, now, MADRID)
    ok.restore()
    assert ok.status is BookingStatus.CONFIRMED and ok.cancelled_at is None and ok.sequence == 2
