"""Booking* events -> the booking projection, the calendar entries, the mails about the
change and the reminders.

All in the handler's transaction, no network: the sync worker, the reminder job and the
mail job do the talking later. A stale or replayed event (sequence not above the stored
one) changes nothing, so duplicates and reordering within a booking's key cannot add or
undo anything.

Both participants get a mail about every change (unless they unsubscribed from
confirmations); one without a connected calendar finds the .ics invitation attached.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import TypeAlias

from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.domain.bookings import Booking, Participant, Status
from kairos_calendar_sync.domain.mails import MailKind, Money, SessionFacts
from kairos_calendar_sync.domain.people import Person
from kairos_calendar_sync.domain.reminders import plan
from kairos_calendar_sync.service_layer.compose import Composer
from kairos_calendar_sync.service_layer.ports import CalendarUow
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRescheduled,
    BookingRestored,
)

BookingEvent: TypeAlias = BookingConfirmed | BookingRescheduled | BookingCancelled | BookingRestored

_KIND = {
    BookingConfirmed: MailKind.CONFIRMED,
    BookingRescheduled: MailKind.RESCHEDULED,
    BookingCancelled: MailKind.CANCELLED,
    BookingRestored: MailKind.RESTORED,
}


def to_booking(e: BookingEvent) -> Booking:
    status = Status.CANCELLED if isinstance(e, BookingCancelled) else Status.CONFIRMED
    minutes = e.reminder_minutes_before
    return Booking(
        booking_id=e.booking_id,
        sequence=e.sequence,
        status=status,
        title=e.offering_title,
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        time_zone=e.provider_time_zone,
        provider=Participant(e.provider.user_id, e.provider.email, e.provider.display_name),
        mentee=Participant(e.mentee.user_id, e.mentee.email, e.mentee.display_name),
        meeting_url=e.meeting_url,
        reminder_minutes=None if minutes is None else tuple(minutes),
    )


def what_changed(e: BookingEvent, facts: SessionFacts) -> SessionFacts:
    """``facts`` with what only the event knows: the old time, why, the refund."""
    if isinstance(e, BookingRescheduled):
        return replace(facts, previous_starts_at=e.previous_starts_at)
    if isinstance(e, BookingCancelled):
        refund = Money(e.refund_amount_minor, e.currency)
        return replace(facts, cancellation_reason=e.reason.value, refund=refund)
    if isinstance(e, BookingRestored):
        return replace(facts, restore_cause=e.cause.value)
    return facts


async def on_booking_event(e: BookingEvent, uow: CalendarUow, composer: Composer) -> None:
    b = to_booking(e)
    if not await uow.bookings.apply(b):
        return  # stale or replayed
    await uow.people.learn_many((p.user_id, p.email, p.name) for p in b.participants)
    users = [p.user_id for p in b.participants]
    connections = await uow.connections.for_users(users)
    for c in connections:
        await uow.entries.want(b, c.connection_id, c.user_id)
    with_calendar = {c.user_id for c in connections}
    await _mail_the_change(e, b, uow, composer, with_calendar)
    await _replan_reminders(e, b, uow)


async def _mail_the_change(
    e: BookingEvent,
    b: Booking,
    uow: CalendarUow,
    composer: Composer,
    with_calendar: set[uuid.UUID],
) -> None:
    method = "REQUEST" if b.live else "CANCEL"
    # the invitation names both participants: built once, and only when someone without a
    # calendar will get it
    document = None
    if any(p.user_id not in with_calendar for p in b.participants):
        document = ics.event_document(b, stamp=uow.now(), method=method)
    people = await uow.people.many(p.user_id for p in b.participants)
    mails = []
    for to in b.participants:
        person = people.get(to.user_id) or Person(to.user_id, to.email, to.name)
        facts = what_changed(e, composer.session_facts(b, to))
        mail = composer.about_session(
            _KIND[type(e)],
            b,
            to,
            person,
            facts,
            key=f"{b.booking_id}.{b.sequence}.{method.lower()}",
            ics=None if to.user_id in with_calendar else document,
            method=method,
        )
        if mail is not None:
            mails.append(mail)
    await uow.mails.add_many(mails)


async def _replan_reminders(e: BookingEvent, b: Booking, uow: CalendarUow) -> None:
    """A cancelled session loses its unsent reminders, a moved one has them moved; a
    reminder already queued as a mail for the old time is taken back before it goes.

    Plan first: its DELETE waits for a reminder job holding these rows, so the mails that
    job queued are committed, and seen, when the next statement takes them back."""
    await uow.reminders.plan(b.booking_id, plan(b, uow.now()))
    if isinstance(e, BookingCancelled | BookingRescheduled):
        await uow.mails.drop_unsent(b.booking_id, [MailKind.REMINDER])
