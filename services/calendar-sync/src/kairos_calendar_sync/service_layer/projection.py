"""Booking* events -> the booking projection, the calendar entries and the invitations.

All in the handler's transaction, no network: the sync worker and the mail job do the
talking later. A stale or replayed event (sequence not above the stored one) changes
nothing, so duplicates and reordering within a booking's key cannot add or undo anything.
"""

from __future__ import annotations

from typing import TypeAlias

from kairos_calendar_sync.domain.bookings import Booking, Participant, Status
from kairos_calendar_sync.domain.invitations import invitations
from kairos_calendar_sync.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRescheduled,
    BookingRestored,
)

BookingEvent: TypeAlias = BookingConfirmed | BookingRescheduled | BookingCancelled | BookingRestored


def to_booking(e: BookingEvent) -> Booking:
    status = Status.CANCELLED if isinstance(e, BookingCancelled) else Status.CONFIRMED
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
    )


async def on_booking_event(e: BookingEvent, uow: ServiceUnitOfWork) -> None:
    b = to_booking(e)
    if not await uow.bookings.apply(b):
        return  # stale or replayed
    users = [p.user_id for p in b.participants]
    connections = await uow.connections.for_users(users)
    for c in connections:
        await uow.entries.want(b, c.connection_id, c.user_id)
    with_calendar = {c.user_id for c in connections}
    mails = invitations(
        b,
        [p for p in b.participants if p.user_id not in with_calendar],
        first=isinstance(e, BookingConfirmed | BookingRestored),
        stamp=uow.now(),
    )
    for mail in mails:
        await uow.mails.add(
            booking_id=b.booking_id,
            sequence=b.sequence,
            recipient=mail.recipient,
            method=mail.method,
            subject=mail.subject,
            body_text=mail.body_text,
            body_html=mail.body_html,
            ics=mail.ics,
        )
