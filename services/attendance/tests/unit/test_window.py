"""The join window (default 10 minutes before the start to 15 after), both ends inclusive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kairos_attendance.domain.window import JoinRefusal, JoinWindow
from kairos_attendance.settings import AttendanceSettings

START = datetime(2030, 1, 7, 18, 0, tzinfo=UTC)
W = JoinWindow()


@pytest.mark.parametrize(
    ("offset_min", "expected"),
    [
        (-10.01, JoinRefusal.TOO_EARLY),
        (-10, None),
        (0, None),
        (15, None),
        (15.01, JoinRefusal.TOO_LATE),
    ],
)
def test_the_window_edges(offset_min: float, expected: JoinRefusal | None) -> None:
    now = START + timedelta(minutes=offset_min)
    assert W.refusal(START, now, cancelled=False) == expected


def test_a_cancelled_session_cannot_be_joined_even_inside_the_window() -> None:
    assert W.refusal(START, START, cancelled=True) is JoinRefusal.CANCELLED


def test_the_window_comes_from_settings() -> None:
    s = AttendanceSettings(
        SERVICE_NAME="attendance", JOIN_OPENS_BEFORE_MIN=5, JOIN_CLOSES_AFTER_MIN=1
    )
    assert s.window.opens_at(START) == START - timedelta(minutes=5)
    assert s.window.refusal(START, START + timedelta(minutes=2), cancelled=False) is (
        JoinRefusal.TOO_LATE
    )
