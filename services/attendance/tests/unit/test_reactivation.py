"""Reactivation and the mentor dashboard with in-memory fakes: only the subscriber's
mentor (or an admin) lifts a reprobation; the streak starts again from then; a mentor sees
their own subscribers only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from kairos_attendance.service_layer.dashboard import subscribers
from kairos_attendance.service_layer.projection import on_booking_event
from kairos_attendance.service_layer.reactivation import reactivate
from kairos_attendance.service_layer.sweep import sweep
from kairos_contracts import Envelope
from kairos_contracts.events.attendance import MenteeReactivated, MenteeReprobated, MenteeWarned
from kairos_contracts.events.booking import BookingConfirmed
from kairos_contracts.types import Actor
from kairos_platform.refusals import Conflict, Forbidden, NotFound

from .fakes import FakeAttendanceUow, Programme, context, who

CTX = context()


async def booked(uow: FakeAttendanceUow, p: Programme, weeks: int) -> list[BookingConfirmed]:
    sessions = [p.session(i) for i in range(weeks)]
    for e in sessions:
        await on_booking_event(e, Envelope.wrap(e, source="booking"), uow)
    return sessions


async def absent_after(uow: FakeAttendanceUow, e: BookingConfirmed) -> None:
    uow.clock.now = e.ends_at + CTX.settings.sweep_grace + timedelta(seconds=1)
    await sweep(uow.factory(), CTX)


async def reprobated(weeks: int = 4) -> tuple[FakeAttendanceUow, Programme, list[BookingConfirmed]]:
    uow, p = FakeAttendanceUow(), Programme()
    sessions = await booked(uow, p, weeks)
    await absent_after(uow, sessions[1])
    assert len(uow.events(MenteeReprobated)) == 1
    return uow, p, sessions


async def test_the_mentor_lifts_a_reprobation() -> None:
    uow, p, sessions = await reprobated()
    undone = uow.standings.rows[p.enrollment_id].reprobated_at
    uow.clock.now += timedelta(hours=2)
    mentor = who(p.mentor.user_id, "mentor")

    e = await reactivate(uow, CTX, mentor, p.enrollment_id)

    assert (e.status, e.streak, e.reprobated_at, e.reactivated_at) == (
        "active", 0, None, uow.clock.now,
    )  # fmt: skip
    stored = uow.standings.rows[p.enrollment_id]
    assert (stored.status, stored.reprobated_at, stored.reactivated_at) == (
        "active", None, uow.clock.now,
    )  # fmt: skip
    [done] = uow.events(MenteeReactivated)
    assert (done.undoes_reprobated_at, done.reactivated_by, done.reactivated_by_user_id) == (
        undone, Actor.MENTOR, p.mentor.user_id,
    )  # fmt: skip
    assert sessions[-1].cycle is not None and done.cycle.ends_at == sessions[-1].cycle.ends_at
    reactivation = [t for t in uow.mails.templates() if t[0].startswith("reactivation")]
    assert reactivation == [("reactivation_mentee", p.mentee.email)]  # not to the mentor


async def test_an_admin_lifts_anyones_reprobation() -> None:
    uow, p, _ = await reprobated()
    admin = who(uuid.uuid4(), "admin")
    await reactivate(uow, CTX, admin, p.enrollment_id)
    [done] = uow.events(MenteeReactivated)
    assert (done.reactivated_by, done.reactivated_by_user_id) == (Actor.ADMIN, admin.user_id)


async def test_another_mentor_learns_nothing_and_changes_nothing() -> None:
    uow, p, _ = await reprobated()
    for enrollment_id in (p.enrollment_id, uuid.uuid4()):
        with pytest.raises(NotFound):
            await reactivate(uow, CTX, who(uuid.uuid4(), "mentor"), enrollment_id)
    assert uow.standings.rows[p.enrollment_id].reprobated_at is not None
    assert uow.events(MenteeReactivated) == []


async def test_only_a_reprobated_subscriber_is_reactivated() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    await booked(uow, p, 2)
    with pytest.raises(Conflict) as refused:
        await reactivate(uow, CTX, who(p.mentor.user_id, "mentor"), p.enrollment_id)
    assert refused.value.slug == "not-reprobated"
    assert uow.commits == 0


async def test_no_reactivation_without_a_known_cycle() -> None:
    uow, p, sessions = await reprobated(2)
    for e in sessions:  # booking announces them again without their cycle
        again = e.model_copy(update={"sequence": 1, "cycle": None})
        await on_booking_event(again, Envelope.wrap(again, source="booking"), uow)
    with pytest.raises(Conflict) as refused:
        await reactivate(uow, CTX, who(p.mentor.user_id, "mentor"), p.enrollment_id)
    assert refused.value.slug == "no-cycle"


async def test_after_a_reactivation_runs_start_again() -> None:
    uow, p, sessions = await reprobated()
    uow.clock.now = sessions[2].starts_at - timedelta(hours=1)
    await reactivate(uow, CTX, who(p.mentor.user_id, "mentor"), p.enrollment_id)

    await absent_after(uow, sessions[2])  # a fresh run: a warning, no reprobation
    assert [w.booking_id for w in uow.events(MenteeWarned)] == [
        sessions[0].booking_id, sessions[2].booking_id,
    ]  # fmt: skip
    assert len(uow.events(MenteeReprobated)) == 1
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.status, standing.streak, standing.absences) == ("warned", 1, 3)

    await absent_after(uow, sessions[3])  # its second absence reprobates again
    assert [r.absent_booking_ids for r in uow.events(MenteeReprobated)][-1] == [
        sessions[2].booking_id, sessions[3].booking_id,
    ]  # fmt: skip


async def test_the_dashboard_is_the_mentors_own() -> None:
    uow, p, sessions = await reprobated(3)
    other = Programme()
    await booked(uow, other, 1)
    mentor = who(p.mentor.user_id, "mentor")

    [(e, recent)] = await subscribers(uow, CTX, mentor, p.mentor.user_id, None, 10)
    assert (e.enrollment_id, e.status, e.absences) == (p.enrollment_id, "reprobated", 2)
    # sessions that started by now, newest first
    assert [s.booking_id for s in recent] == [sessions[1].booking_id, sessions[0].booking_id]
    with pytest.raises(Forbidden):
        await subscribers(uow, CTX, mentor, other.mentor.user_id, None, 10)
    seen = await subscribers(uow, CTX, who(uuid.uuid4(), "admin"), other.mentor.user_id, None, 9)
    assert [e.enrollment_id for e, _ in seen] == [other.enrollment_id]
