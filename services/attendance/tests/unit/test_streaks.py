"""The absence rules (the absence opening a run warns, two in a row reprobate, an attended
session ends the run) as a pure function over an enrollment's ordered marks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kairos_attendance.domain.streaks import Mark, Standing, judge, standing

T0 = datetime(2030, 1, 7, 18, 0, tzinfo=UTC)


def history(*marks: bool | None) -> list[Mark]:
    """One weekly session per mark: True attended, False absent, None not marked yet."""
    return [Mark(uuid.uuid4(), T0 + timedelta(weeks=i), m) for i, m in enumerate(marks)]


def test_a_first_absence_is_a_warning_and_nothing_more() -> None:
    h = history(True, False)
    v = judge(h)
    assert (v.warn, v.reprobate, v.streak, v.absences) == ((h[1].booking_id,), None, 1, 1)
    assert standing(v, reprobated=False) is Standing.WARNED


def test_absent_attended_absent_warns_twice_and_never_reprobates() -> None:
    h = history(False, True, False)
    v = judge(h)
    assert v.warn == (h[0].booking_id, h[2].booking_id)
    assert v.reprobate is None
    assert (v.streak, v.absences) == (1, 2)


def test_two_absences_in_a_row_reprobate_with_both_absences() -> None:
    h = history(True, False, False)
    v = judge(h)
    assert v.reprobate == (h[1].booking_id, h[2].booking_id)
    assert v.warn == (h[1].booking_id,)  # its first absence was (or is now) a warning
    assert v.positions == {h[1].booking_id: 1, h[2].booking_id: 2}
    assert v.streak == 2


def test_an_attended_session_resets_the_streak() -> None:
    v = judge(history(False, True))
    assert (v.streak, v.absences) == (0, 1)
    assert standing(v, reprobated=False) is Standing.ACTIVE


def test_unmarked_sessions_neither_break_nor_extend_a_run() -> None:
    h = history(False, None, False, None)
    assert judge(h).reprobate == (h[0].booking_id, h[2].booking_id)


def test_marks_in_any_order_give_the_same_verdict() -> None:
    h = history(False, True, False, False)
    assert judge(list(reversed(h))) == judge(h)


def test_a_mentor_correction_recomputes_the_streak() -> None:
    h = history(False, False)
    corrected = [h[0], Mark(h[1].booking_id, h[1].starts_at, True)]
    v = judge(corrected)
    assert (v.reprobate, v.streak, v.warn) == (None, 0, (h[0].booking_id,))
    # a reprobation already issued stays until a reactivation
    assert standing(v, reprobated=True) is Standing.REPROBATED


def test_a_reactivation_starts_the_runs_again() -> None:
    h = history(False, False, False)
    v = judge(h, reset_at=h[2].starts_at)
    assert v.reprobate is None
    assert v.warn == (h[2].booking_id,)
    assert v.absences == 3  # the totals keep everything
