"""The absence sweep and the rules it applies, with in-memory fakes and a pinned clock:
what is overdue becomes an absence; the absence opening a run warns; a second in a row
reprobates; an attended session ends the run; a reprobation is announced once and stands."""

from __future__ import annotations

from datetime import timedelta

from kairos_attendance.service_layer.marks import join, mark_by_mentor
from kairos_attendance.service_layer.projection import on_booking_event
from kairos_attendance.service_layer.sweep import sweep
from kairos_contracts import Envelope
from kairos_contracts.events.attendance import (
    AbsenceRecorded,
    AttendanceRecorded,
    MarkedBy,
    MenteeReprobated,
    MenteeWarned,
)
from kairos_contracts.events.booking import BookingConfirmed

from .fakes import FakeAttendanceUow, Programme, context, who

CTX = context()
GRACE = CTX.settings.sweep_grace


async def booked(uow: FakeAttendanceUow, p: Programme, weeks: int) -> list[BookingConfirmed]:
    sessions = [p.session(i) for i in range(weeks)]
    for e in sessions:
        await on_booking_event(e, Envelope.wrap(e, source="booking"), uow)
    return sessions


async def absent_after(uow: FakeAttendanceUow, e: BookingConfirmed) -> int:
    uow.clock.now = e.ends_at + GRACE + timedelta(seconds=1)
    return await sweep(uow.factory(), CTX)


async def test_only_what_ended_more_than_the_grace_ago_unmarked_and_live_is_swept() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    s0, s1, s2 = await booked(uow, p, 3)
    cancelled = p.cancelled(s1, s1.starts_at - timedelta(days=1))
    await on_booking_event(cancelled, Envelope.wrap(cancelled, source="booking"), uow)

    uow.clock.now = s0.ends_at + GRACE  # not more than the grace yet
    assert await sweep(uow.factory(), CTX) == 0
    assert await absent_after(uow, s1) == 1  # s0: s1 is cancelled, s2 not over yet

    rows = uow.sessions.rows
    assert (rows[s0.booking_id].attended, rows[s0.booking_id].marked_by) == (False, "system")
    assert rows[s1.booking_id].attended is rows[s2.booking_id].attended is None
    assert [(a.source, a.after) for a in uow.sessions.audited] == [("sweep", False)]
    [absence] = uow.events(AbsenceRecorded)
    assert (absence.booking_id, absence.marked_by, absence.consecutive_absences) == (
        s0.booking_id, MarkedBy.SYSTEM, 1,
    )  # fmt: skip
    assert await sweep(uow.factory(), CTX) == 0  # nothing left: nothing more announced
    assert len(uow.events(AbsenceRecorded)) == 1


async def test_the_first_absence_warns_the_mentee_and_the_mentor() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    [s0] = await booked(uow, p, 1)
    await absent_after(uow, s0)

    [warned] = uow.events(MenteeWarned)
    assert (warned.booking_id, warned.enrollment_id, warned.consecutive_absences) == (
        s0.booking_id, p.enrollment_id, 1,
    )  # fmt: skip
    assert (warned.mentee.user_id, warned.provider.user_id) == (
        p.mentee.user_id, p.mentor.user_id,
    )  # fmt: skip
    assert uow.events(MenteeReprobated) == []
    assert uow.mails.templates() == [
        ("warning_mentee", p.mentee.email), ("warning_mentor", p.mentor.email),
    ]  # fmt: skip
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.status, standing.streak, standing.absences) == ("warned", 1, 1)


async def test_a_second_absence_in_a_row_reprobates_once() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    s0, s1, s2 = await booked(uow, p, 3)
    await absent_after(uow, s0)
    await absent_after(uow, s1)

    [reprobated] = uow.events(MenteeReprobated)
    assert reprobated.absent_booking_ids == [s0.booking_id, s1.booking_id]
    assert reprobated.consecutive_absences == 2
    assert s1.cycle is not None and reprobated.cycle.ends_at == s1.cycle.ends_at
    assert [a.consecutive_absences for a in uow.events(AbsenceRecorded)] == [1, 2]
    assert len(uow.events(MenteeWarned)) == 1  # the run's first absence only
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.status, standing.streak, standing.absences) == ("reprobated", 2, 2)
    assert standing.reprobated_at == uow.clock.now
    reprobation = [m for m in uow.mails.queued.values() if m.template.startswith("reprobation")]
    assert sorted((m.template, m.values["absences"]) for m in reprobation) == [
        ("reprobation_mentee", "2"), ("reprobation_mentor", "2"),
    ]  # fmt: skip

    # the run grows while reprobated: nothing more is announced, the counts move on
    await absent_after(uow, s2)
    assert len(uow.events(MenteeReprobated)) == 1
    assert len(uow.events(MenteeWarned)) == 1
    assert len(uow.mails.queued) == 4
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.status, standing.streak, standing.absences) == ("reprobated", 3, 3)


async def test_two_absences_swept_together_warn_and_reprobate_together() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    s0, s1 = await booked(uow, p, 2)
    assert await absent_after(uow, s1) == 2
    assert [w.booking_id for w in uow.events(MenteeWarned)] == [s0.booking_id]
    [reprobated] = uow.events(MenteeReprobated)
    assert reprobated.absent_booking_ids == [s0.booking_id, s1.booking_id]
    assert sorted(a.consecutive_absences for a in uow.events(AbsenceRecorded)) == [1, 2]


async def test_two_runs_first_seen_together_warn_twice() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    s0, s1, s2 = await booked(uow, p, 3)
    uow.clock.now = s1.ends_at
    await mark_by_mentor(uow, CTX, who(p.mentor.user_id, "mentor"), s1.booking_id, True)
    assert await absent_after(uow, s2) == 2  # s0 and s2, in one batch
    assert sorted(str(w.booking_id) for w in uow.events(MenteeWarned)) == sorted(
        [str(s0.booking_id), str(s2.booking_id)]
    )
    assert uow.events(MenteeReprobated) == []
    assert len(uow.mails.queued) == 4  # each warning to the mentee and the mentor


async def test_an_attended_session_resets_the_streak() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    s0, s1, s2 = await booked(uow, p, 3)
    await absent_after(uow, s0)
    uow.clock.now = s1.starts_at
    await join(uow, CTX, who(p.mentee.user_id), s1.booking_id)
    await absent_after(uow, s2)

    assert [w.booking_id for w in uow.events(MenteeWarned)] == [s0.booking_id, s2.booking_id]
    assert uow.events(MenteeReprobated) == []
    assert [a.consecutive_absences for a in uow.events(AbsenceRecorded)] == [1, 1]
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.status, standing.streak, standing.absences) == ("warned", 1, 2)


async def test_a_correction_does_not_lift_a_reprobation() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    _, s1, s2 = await booked(uow, p, 3)
    await absent_after(uow, s1)
    uow.clock.now += timedelta(hours=1)
    await mark_by_mentor(uow, CTX, who(p.mentor.user_id, "mentor"), s1.booking_id, True)

    assert len(uow.events(AttendanceRecorded)) == 1
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.status, standing.streak, standing.absences) == ("reprobated", 0, 1)
    assert standing.reprobated_at is not None

    # a new run while reprobated: counted, not announced (the reprobation stands)
    await absent_after(uow, s2)
    assert len(uow.events(MenteeWarned)) == 1
    assert len(uow.events(MenteeReprobated)) == 1
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.status, standing.streak, standing.absences) == ("reprobated", 1, 2)


async def test_enrollments_are_judged_apart() -> None:
    uow, a, b = FakeAttendanceUow(), Programme(), Programme()
    [_, a1] = await booked(uow, a, 2)
    [b0] = await booked(uow, b, 1)
    uow.clock.now = a1.ends_at
    await mark_by_mentor(uow, CTX, who(a.mentor.user_id, "mentor"), a1.booking_id, True)
    assert await absent_after(uow, a1) == 2  # a0 and b0
    assert sorted(str(w.enrollment_id) for w in uow.events(MenteeWarned)) == sorted(
        [str(a.enrollment_id), str(b.enrollment_id)]
    )
    assert uow.events(MenteeReprobated) == []
    assert {e: uow.standings.rows[e].streak for e in (a.enrollment_id, b.enrollment_id)} == {
        a.enrollment_id: 0, b.enrollment_id: 1,
    }  # fmt: skip
    assert b0.booking_id in {x.booking_id for x in uow.events(AbsenceRecorded)}


async def test_the_sweep_goes_batch_by_batch_until_nothing_is_overdue() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    sessions = await booked(uow, p, 3)
    ctx = context(SWEEP_BATCH_SIZE=1, SWEEP_CONCURRENCY=1)
    uow.clock.now = sessions[-1].ends_at + GRACE + timedelta(seconds=1)
    assert await sweep(uow.factory(), ctx) == 3
    assert uow.commits == 3  # one transaction per batch
    assert [a.consecutive_absences for a in uow.events(AbsenceRecorded)] == [1, 2, 3]
    assert len(uow.events(MenteeReprobated)) == 1
