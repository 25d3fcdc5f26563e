"""Marks with in-memory fakes and a pinned clock: a mentee's join counts inside the window
only; a mentor (or an admin) marks or corrects once the session started; each change is
audited and announced, and a repeated mark changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from kairos_attendance.service_layer.marks import history, join, mark_by_mentor
from kairos_attendance.service_layer.projection import on_booking_event
from kairos_contracts import Envelope
from kairos_contracts.events.attendance import (
    AbsenceRecorded,
    AttendanceRecorded,
    MarkedBy,
    MenteeWarned,
)
from kairos_contracts.events.booking import BookingConfirmed
from kairos_platform.refusals import Conflict, Forbidden, NotFound

from .fakes import FakeAttendanceUow, Programme, context, who

CTX = context()


async def booked(uow: FakeAttendanceUow, p: Programme, week: int = 0) -> BookingConfirmed:
    e = p.session(week)
    await on_booking_event(e, Envelope.wrap(e, source="booking"), uow)
    return e


# --- join ------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [timedelta(minutes=-10), timedelta(0), timedelta(minutes=15)])
async def test_joining_inside_the_window_marks_the_mentee_attended(offset: timedelta) -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    uow.clock.now = e.starts_at + offset

    s = await join(uow, CTX, who(p.mentee.user_id), e.booking_id)

    assert (s.attended, s.marked_by, s.marked_at) == (True, "system", uow.clock.now)
    assert uow.sessions.rows[e.booking_id].attended is True
    [recorded] = uow.events(AttendanceRecorded)
    assert (recorded.booking_id, recorded.marked_by, recorded.corrects_previous_mark) == (
        e.booking_id, MarkedBy.SYSTEM, False,
    )  # fmt: skip
    assert recorded.enrollment_id == p.enrollment_id
    assert [(a.source, a.before, a.after) for a in uow.sessions.audited] == [("join", None, True)]
    assert uow.commits == 1


@pytest.mark.parametrize(
    ("offset", "slug"),
    [
        (timedelta(minutes=-10, seconds=-1), "too-early"),
        (timedelta(minutes=15, seconds=1), "too-late"),
    ],
)
async def test_joining_outside_the_window_is_refused_and_marks_nothing(
    offset: timedelta, slug: str
) -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    uow.clock.now = e.starts_at + offset

    with pytest.raises(Conflict) as refused:
        await join(uow, CTX, who(p.mentee.user_id), e.booking_id)

    assert refused.value.slug == slug
    assert uow.sessions.rows[e.booking_id].attended is None
    assert (uow.committed, uow.sessions.audited, uow.commits) == ([], [], 0)


async def test_a_cancelled_session_cannot_be_joined() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    cancelled = p.cancelled(e, e.starts_at - timedelta(days=1))
    await on_booking_event(cancelled, Envelope.wrap(cancelled, source="booking"), uow)
    uow.clock.now = e.starts_at
    with pytest.raises(Conflict) as refused:
        await join(uow, CTX, who(p.mentee.user_id), e.booking_id)
    assert refused.value.slug == "session-cancelled"


async def test_only_the_sessions_mentee_joins_it() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    uow.clock.now = e.starts_at
    for caller in (who(uuid.uuid4()), who(p.mentor.user_id, "mentor")):
        with pytest.raises(Forbidden):
            await join(uow, CTX, caller, e.booking_id)
    with pytest.raises(NotFound):
        await join(uow, CTX, who(p.mentee.user_id), uuid.uuid4())
    assert uow.sessions.rows[e.booking_id].attended is None


async def test_joining_twice_records_and_announces_once() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    uow.clock.now = e.starts_at
    first = await join(uow, CTX, who(p.mentee.user_id), e.booking_id)
    uow.clock.now += timedelta(minutes=1)
    again = await join(uow, CTX, who(p.mentee.user_id), e.booking_id)
    assert again.marked_at == first.marked_at
    assert len(uow.events(AttendanceRecorded)) == 1
    assert len(uow.sessions.audited) == 1


# --- the mentor's mark -----------------------------------------------------------------


async def test_the_mentor_marks_only_once_the_session_started() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    uow.clock.now = e.starts_at - timedelta(seconds=1)
    with pytest.raises(Conflict) as refused:
        await mark_by_mentor(uow, CTX, who(p.mentor.user_id, "mentor"), e.booking_id, False)
    assert refused.value.slug == "not-started"
    assert uow.sessions.rows[e.booking_id].attended is None


async def test_an_absence_marked_by_the_mentor_is_recorded_and_warns() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    uow.clock.now = e.ends_at
    s, changed = await mark_by_mentor(
        uow, CTX, who(p.mentor.user_id, "mentor"), e.booking_id, False
    )
    assert changed and (s.attended, s.marked_by, s.marked_by_user_id) == (
        False, "mentor", p.mentor.user_id,
    )  # fmt: skip
    [absence] = uow.events(AbsenceRecorded)
    assert (absence.marked_by, absence.consecutive_absences) == (MarkedBy.MENTOR, 1)
    [warned] = uow.events(MenteeWarned)
    assert warned.booking_id == e.booking_id
    assert sorted(uow.mails.templates()) == [
        ("warning_mentee", p.mentee.email), ("warning_mentor", p.mentor.email),
    ]  # fmt: skip
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.status, standing.streak, standing.absences) == ("warned", 1, 1)


async def test_a_correction_to_attended_is_announced_as_one_and_ends_the_streak() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    mentor = who(p.mentor.user_id, "mentor")
    uow.clock.now = e.ends_at
    await mark_by_mentor(uow, CTX, mentor, e.booking_id, False)
    uow.clock.now += timedelta(minutes=5)

    s, changed = await mark_by_mentor(uow, CTX, mentor, e.booking_id, True)

    assert changed and s.attended is True and s.marked_at == uow.clock.now
    [recorded] = uow.events(AttendanceRecorded)
    assert recorded.corrects_previous_mark is True
    assert [(a.before, a.after) for a in uow.sessions.audited] == [(None, False), (False, True)]
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.status, standing.streak, standing.absences) == ("active", 0, 0)
    assert len(uow.events(MenteeWarned)) == 1  # the warning that went out stays the only one


async def test_the_same_mark_again_changes_nothing() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    mentor = who(p.mentor.user_id, "mentor")
    uow.clock.now = e.ends_at
    await mark_by_mentor(uow, CTX, mentor, e.booking_id, True)
    s, changed = await mark_by_mentor(uow, CTX, mentor, e.booking_id, True)
    assert (changed, s.attended) == (False, True)
    assert (len(uow.sessions.audited), uow.commits, len(uow.committed)) == (1, 1, 1)


async def test_an_admin_marks_any_session_and_another_mentor_none() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    uow.clock.now = e.ends_at
    with pytest.raises(Forbidden):
        await mark_by_mentor(uow, CTX, who(uuid.uuid4(), "mentor"), e.booking_id, True)
    admin = who(uuid.uuid4(), "admin")
    s, _ = await mark_by_mentor(uow, CTX, admin, e.booking_id, True)
    assert (s.marked_by, s.marked_by_user_id) == ("admin", admin.user_id)
    [recorded] = uow.events(AttendanceRecorded)
    assert (recorded.marked_by, recorded.marked_by_user_id) == (MarkedBy.MENTOR, admin.user_id)


async def test_a_cancelled_session_cannot_be_marked() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    cancelled = p.cancelled(e, e.starts_at - timedelta(days=1))
    await on_booking_event(cancelled, Envelope.wrap(cancelled, source="booking"), uow)
    uow.clock.now = e.ends_at
    with pytest.raises(Conflict) as refused:
        await mark_by_mentor(uow, CTX, who(p.mentor.user_id, "mentor"), e.booking_id, True)
    assert refused.value.slug == "session-cancelled"


# --- history ---------------------------------------------------------------------------


async def test_the_history_is_the_mentee_and_mentors_to_read_in_pages() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = await booked(uow, p)
    mentor = who(p.mentor.user_id, "mentor")
    uow.clock.now = e.ends_at
    for attended in (True, False, True):
        uow.clock.now += timedelta(minutes=1)
        await mark_by_mentor(uow, CTX, mentor, e.booking_id, attended)

    s, page = await history(uow, who(p.mentee.user_id), e.booking_id, None, 2)
    assert s.attended is True
    assert [(a.before, a.after) for a in page] == [(None, True), (True, False)]
    _, rest = await history(uow, mentor, e.booking_id, page[-1].id, 2)
    assert [(a.before, a.after, a.source) for a in rest] == [(False, True, "mentor")]
    with pytest.raises(Forbidden):
        await history(uow, who(uuid.uuid4()), e.booking_id, None, 2)
    _, seen_by_admin = await history(uow, who(uuid.uuid4(), "admin"), e.booking_id, None, 9)
    assert len(seen_by_admin) == 3
