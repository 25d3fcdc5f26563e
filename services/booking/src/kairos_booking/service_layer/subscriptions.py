"""Unsubscribe and reactivation, in the Dispatcher's transaction: a reactivation restores,
by UPDATE and never by creating one, the sessions its unsubscribe cancelled that have not
started.

SubscriptionCancelled cancels every confirmed session of that subscription starting after
``unsubscribed_at`` (reason ``unsubscribed``, cancelled at that time, refund 0: billing is
payments' business) and remembers the time on the enrollment.

SubscriptionReactivated restores, in the same one transaction, exactly the sessions the
matching unsubscribe cancelled: reason ``unsubscribed``, cancelled at or after
``undoes_unsubscribed_at``, dated today or later in the provider's zone and not started
yet. Each is an UPDATE of its row (status back to confirmed, cancellation data cleared,
sequence + 1) and emits BookingRestored, from which calendar-sync creates fresh events
(calendars key their events by booking id + sequence; booking keeps no calendar ids).
A restored session takes its seat back; if someone took it meanwhile, it stays cancelled
and goes out as BookingRejected(occurrence_unavailable) so payments credits the mentee.
Admin and mentee reactivations reach booking as the same event, so this is the one path.

Order across topics is not guaranteed, so each handler applies the state it knows on
arrival: a cycle paid after its subscription's unsubscribe gets its later sessions
cancelled at once (cycles.py); a reactivation that does not undo the enrollment's current
unsubscribe (a replay, a stale one) changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from kairos_booking.domain.model import (
    Booking,
    Enrollment,
    EnrollmentStatus,
    OccurrenceRejection,
    Offering,
    Provider,
)
from kairos_booking.domain.recurring import UNSUBSCRIBED
from kairos_booking.service_layer import outgoing
from kairos_booking.service_layer.ports import BookingUow
from kairos_booking.service_layer.seats import take_seat
from kairos_contracts import Envelope
from kairos_contracts.events.booking import RestoreCause
from kairos_contracts.events.payments import SubscriptionCancelled, SubscriptionReactivated

log = logging.getLogger(__name__)


async def on_subscription_cancelled(
    event: SubscriptionCancelled, envelope: Envelope, uow: BookingUow
) -> None:
    offering = await uow.catalog.get_offering(event.offering_id)
    if offering is None or not offering.recurring:
        log.warning("unsubscribe of %s for unknown offering", event.subscription_id)
        return
    provider = await uow.catalog.get_provider(offering.provider_id)
    assert provider is not None  # foreign key
    # the enrollment may not exist yet (its first cycle's payment not seen): create it so
    # that the unsubscribe applies to that cycle when it comes
    enrollment = await uow.enrollments.enroll(offering, event.mentee_id, event.subscription_id)
    if enrollment.subscription_id == event.subscription_id and enrollment.unsubscribed_at is None:
        enrollment.status = EnrollmentStatus.UNSUBSCRIBED
        enrollment.unsubscribed_at = event.unsubscribed_at
        enrollment.unsubscribed_by = str(event.cancelled_by)
        await uow.enrollments.save(enrollment)
    future = await uow.bookings.confirmed_after(
        enrollment.enrollment_id, event.subscription_id, event.unsubscribed_at
    )
    for booking in future:
        await cancel_unsubscribed(
            uow, booking, offering, provider, event.unsubscribed_at, str(event.cancelled_by)
        )


async def cancel_unsubscribed(
    uow: BookingUow,
    booking: Booking,
    offering: Offering,
    provider: Provider,
    at: datetime,
    by: str,
) -> None:
    """Cancel one session because of an unsubscribe at ``at`` (its seat is given back)."""
    booking.cancel(at, by, UNSUBSCRIBED, refund=0)
    await uow.bookings.save(booking)
    await uow.seats.free(booking.offering_id, booking.starts_at)
    mentee = await uow.people.get(booking.mentee_id)
    uow.emit(outgoing.booking_cancelled(booking, offering, provider, mentee))


def _undoes(enrollment: Enrollment | None, event: SubscriptionReactivated) -> bool:
    """Whether the event undoes the enrollment's current unsubscribe (else: a replay of a
    reactivation already applied, or one overtaken by a later unsubscribe)."""
    return (
        enrollment is not None
        and enrollment.subscription_id == event.subscription_id
        and enrollment.unsubscribed_at == event.undoes_unsubscribed_at
    )


async def on_subscription_reactivated(
    event: SubscriptionReactivated, envelope: Envelope, uow: BookingUow
) -> None:
    enrollment = await uow.enrollments.get(event.offering_id, event.mentee_id, lock=True)
    if enrollment is None or not _undoes(enrollment, event):
        log.info("reactivation of %s has nothing to undo", event.subscription_id)
        return
    offering = await uow.catalog.get_offering(enrollment.offering_id)
    provider = await uow.catalog.get_provider(enrollment.provider_id)
    assert offering is not None and provider is not None  # foreign keys
    now = uow.now()
    today = now.astimezone(ZoneInfo(provider.time_zone)).date()
    cancelled = await uow.bookings.restorable(
        enrollment.enrollment_id, event.undoes_unsubscribed_at, today, now
    )
    for booking in cancelled:
        if await take_seat(uow, offering, booking.starts_at):
            await restore(uow, booking, offering, provider, now, RestoreCause.UNSUBSCRIBE_UNDONE)
        else:
            key = f"not-restored:{event.undoes_unsubscribed_at}"
            await report_lost_seat(uow, booking, enrollment, offering, provider, key)
    enrollment.status = EnrollmentStatus.ACTIVE
    enrollment.unsubscribed_at = enrollment.unsubscribed_by = None
    await uow.enrollments.save(enrollment)


async def restore(
    uow: BookingUow,
    booking: Booking,
    offering: Offering,
    provider: Provider,
    now: datetime,
    cause: RestoreCause,
) -> None:
    """Confirm a cancelled session again (UPDATE of its row, seat already taken)."""
    previously = booking.cancelled_at
    assert previously is not None  # the query selects cancelled rows
    booking.restore()
    await uow.bookings.save(booking)
    mentee = await uow.people.get(booking.mentee_id)
    uow.emit(outgoing.booking_restored(booking, offering, provider, mentee, cause, previously, now))


async def report_lost_seat(
    uow: BookingUow,
    booking: Booking,
    enrollment: Enrollment,
    offering: Offering,
    provider: Provider,
    key: str,
) -> None:
    """The seat went to someone else while unsubscribed (or reprobated): the session stays
    cancelled, is recorded, and payments credits its share of the cycle (as for any
    occurrence the mentee paid for and cannot have). ``key`` names the undoing event."""
    log.warning("session %s not restored: its seat is taken", booking.booking_id)
    rejection = OccurrenceRejection(
        rejection_id=uuid.uuid5(booking.booking_id, key),
        payment_id=booking.payment_id,
        enrollment_id=enrollment.enrollment_id,
        local_date=booking.local_date or booking.starts_at.date(),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        detail="seat taken while the session was cancelled",
        amount_minor=booking.amount_minor,
        booking_id=booking.booking_id,
    )
    await uow.enrollments.add_rejection(rejection)
    mentee = await uow.people.get(booking.mentee_id)
    uow.emit(outgoing.seat_lost(booking, rejection, offering, provider, mentee, uow.now()))
