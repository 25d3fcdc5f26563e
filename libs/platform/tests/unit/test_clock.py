"""The one clock: the system clock, an offset clock, and units of work answering it."""

from datetime import UTC, datetime, timedelta

from kairos_platform.clock import OffsetClock, offset_clock, system_clock
from kairos_platform.testing import FakeUnitOfWork

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def test_the_system_clock_is_aware_utc() -> None:
    before = datetime.now(UTC)
    now = system_clock()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_an_offset_clock_runs_ahead_of_its_base() -> None:
    ahead = offset_clock(lambda: T0, 90)
    assert isinstance(ahead, OffsetClock)
    assert ahead() == T0 + timedelta(seconds=90)


def test_no_offset_is_the_base_itself() -> None:
    assert offset_clock(system_clock, 0) is system_clock


def test_a_unit_of_work_answers_the_clock_it_was_given() -> None:
    assert FakeUnitOfWork("attendance", clock=lambda: T0).now() == T0
