"""Booking* events -> the session projection and the enrollment's standing row, with
in-memory fakes: the newest sequence wins, the mark is never touched, and calendar-sync's
MailPreferencesChanged lands in the readers projection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kairos_attendance.service_layer.projection import on_booking_event
from kairos_attendance.service_layer.readers import on_mail_preferences_changed
from kairos_contracts import Envelope, Event
from kairos_contracts.events.booking import (
    BookingRescheduled,
    BookingRestored,
    RestoreCause,
)
from kairos_contracts.events.calendar import MailPreferencesChanged
from kairos_contracts.types import Actor

from .fakes import FakeAttendanceUow, Programme

AT = datetime(2030, 1, 1, tzinfo=UTC)


async def deliver(uow: FakeAttendanceUow, event: Event) -> None:
    await on_booking_event(event, Envelope.wrap(event, source="booking"), uow)


async def test_a_confirmed_booking_becomes_a_session_and_its_enrollment_a_standing() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = p.session(0)
    await deliver(uow, e)

    s = uow.sessions.rows[e.booking_id]
    assert (s.status, s.sequence, s.title, s.starts_at, s.ends_at) == (
        "confirmed", 0, "Weekly mentoring", e.starts_at, e.ends_at,
    )  # fmt: skip
    assert (s.mentee_user_id, s.provider_user_id, s.enrollment_id) == (
        p.mentee.user_id, p.mentor.user_id, p.enrollment_id,
    )  # fmt: skip
    assert e.cycle is not None and s.cycle_ends_at == e.cycle.ends_at
    assert s.attended is None
    standing = uow.standings.rows[p.enrollment_id]
    assert (standing.mentee_email, standing.provider_name, standing.status) == (
        p.mentee.email, "Ada", "active",
    )  # fmt: skip


async def test_a_stale_or_replayed_event_changes_nothing() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    first = p.session(0)
    later = first.model_copy(update={"sequence": 2, "offering_title": "Renamed"})
    await deliver(uow, later)
    await deliver(uow, first)  # sequence 0 after 2: stale
    await deliver(uow, later.model_copy(update={"offering_title": "Replayed"}))  # same seq
    assert uow.sessions.rows[first.booking_id].title == "Renamed"


async def test_a_cancellation_keeps_the_mark_and_a_restore_makes_it_live_again() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = p.session(0)
    await deliver(uow, e)
    await uow.sessions.mark(e.booking_id, False, "system", None, e.ends_at)

    await deliver(uow, p.cancelled(e, AT))
    s = uow.sessions.rows[e.booking_id]
    assert (s.status, s.cancel_reason, s.attended, s.marked_by) == (
        "cancelled", "by_mentor", False, "system",
    )  # fmt: skip

    restored = BookingRestored(
        **(e.model_dump(exclude={"hold_id", "amount_minor", "currency"}) | {"sequence": 2}),
        cause=RestoreCause.REACTIVATION,
        restored_at=AT,
        previously_cancelled_at=AT,
    )
    await deliver(uow, restored)
    s = uow.sessions.rows[e.booking_id]
    assert (s.status, s.cancel_reason, s.attended) == ("confirmed", None, False)


async def test_a_reschedule_moves_the_session() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = p.session(0)
    await deliver(uow, e)
    moved = e.starts_at + timedelta(days=1)
    fields = e.model_dump(exclude={"hold_id", "amount_minor", "currency"})
    await deliver(
        uow,
        BookingRescheduled(
            **(fields | {"sequence": 1, "starts_at": moved, "ends_at": moved + timedelta(hours=1)}),
            previous_starts_at=e.starts_at,
            previous_ends_at=e.ends_at,
            rescheduled_by=Actor.MENTOR,
            rescheduled_at=AT,
        ),
    )
    assert uow.sessions.rows[e.booking_id].starts_at == moved


async def test_a_booking_outside_any_enrollment_has_no_standing() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = p.session(0, enrollment_id=None, subscription_id=None, cycle=None)
    await deliver(uow, e)
    assert e.booking_id in uow.sessions.rows
    assert uow.standings.rows == {}


async def test_the_standing_keeps_who_is_who_current() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    e = p.session(0)
    await deliver(uow, e)
    renamed = p.mentee.model_copy(update={"display_name": "Ana María"})
    await deliver(uow, e.model_copy(update={"sequence": 1, "mentee": renamed}))
    assert uow.standings.rows[p.enrollment_id].mentee_name == "Ana María"
    await deliver(uow, p.session(1, mentee=p.mentee))  # another booking, its names
    assert uow.standings.rows[p.enrollment_id].mentee_name == "Ana"


async def test_mail_preferences_become_the_readers_zone_and_locale() -> None:
    uow, p = FakeAttendanceUow(), Programme()
    event = MailPreferencesChanged(
        user_id=p.mentee.user_id, time_zone="America/Bogota", locale="es", changed_at=AT
    )
    await on_mail_preferences_changed(event, Envelope.wrap(event, source="calendar-sync"), uow)
    r = uow.readers.rows[p.mentee.user_id]
    assert (r.time_zone, r.locale, r.changed_at) == ("America/Bogota", "es", AT)
