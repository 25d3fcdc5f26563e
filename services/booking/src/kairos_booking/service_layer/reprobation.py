"""Attendance's reprobation (two absences in a row) and reactivation, in the Dispatcher's
transaction.

MenteeReprobated: the enrollment remembers the reprobation (``reprobated_at``) and every
confirmed session of its current subscription that starts after that time is cancelled:
reason ``reprobated``, cancelled at the reprobation time, refund 0 (billing continues,
nothing goes to payments but the cancellation), seat given back. That is the rest of the
current cycle, and also a later cycle if it was already paid (its payment may have come
first: another topic, no order).

While reprobated, a newly paid cycle still gets its sessions (PaymentVerified stays the
only creator, and billing continues), but each is cancelled as ``reprobated`` in the same
transaction (cycles.py), so it comes back only with a reactivation.

MenteeReactivated (only when it names the reprobation in force; else a replay): in one
transaction, restore by UPDATE the sessions cancelled as ``reprobated`` at or after that
reprobation, dated today or later in the provider's zone, not started, and starting before
the paid cycle's end (the later of the event's cycle end and our own latest paid cycle
end): nothing is created, nothing beyond a paid cycle comes back. BookingRestored(cause
reactivation) for each; the flag is cleared.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from kairos_booking.domain.model import Booking, Enrollment, Offering, Provider
from kairos_booking.service_layer import outgoing
from kairos_booking.service_layer.ports import BookingUow
from kairos_booking.service_layer.seats import take_seat
from kairos_booking.service_layer.subscriptions import report_lost_seat, restore
from kairos_contracts import Envelope
from kairos_contracts.events.attendance import MenteeReactivated, MenteeReprobated
from kairos_contracts.events.booking import RestoreCause
from kairos_contracts.types import Actor

log = logging.getLogger(__name__)

REPROBATED = "reprobated"


async def _enrollment_of(
    uow: BookingUow, event: MenteeReprobated | MenteeReactivated
) -> tuple[Enrollment, Offering, Provider] | None:
    enrollment = await uow.enrollments.get(event.offering_id, event.mentee.user_id, lock=True)
    if enrollment is None or enrollment.enrollment_id != event.enrollment_id:
        log.warning("%s for unknown enrollment %s", type(event).__name__, event.enrollment_id)
        return None
    offering = await uow.catalog.get_offering(enrollment.offering_id)
    provider = await uow.catalog.get_provider(enrollment.provider_id)
    assert offering is not None and provider is not None  # foreign keys
    return enrollment, offering, provider


async def on_mentee_reprobated(
    event: MenteeReprobated, envelope: Envelope, uow: BookingUow
) -> None:
    found = await _enrollment_of(uow, event)
    if found is None:
        return
    enrollment, offering, provider = found
    if enrollment.reprobated_at is not None:
        return  # a replay, or a reprobation already in force: nothing more to cancel
    enrollment.reprobated_at = event.reprobated_at
    await uow.enrollments.save(enrollment)
    future = await uow.bookings.confirmed_after(
        enrollment.enrollment_id, enrollment.subscription_id, event.reprobated_at
    )
    for booking in future:
        await cancel_reprobated(uow, booking, offering, provider, event.reprobated_at)


async def cancel_reprobated(
    uow: BookingUow, booking: Booking, offering: Offering, provider: Provider, at: datetime
) -> None:
    """Cancel one session because of a reprobation at ``at`` (seat back, refund 0)."""
    booking.cancel(at, str(Actor.SYSTEM), REPROBATED, refund=0)
    await uow.bookings.save(booking)
    await uow.seats.free(booking.offering_id, booking.starts_at)
    mentee = await uow.people.get(booking.mentee_id)
    uow.emit(outgoing.booking_cancelled(booking, offering, provider, mentee))


async def on_mentee_reactivated(
    event: MenteeReactivated, envelope: Envelope, uow: BookingUow
) -> None:
    found = await _enrollment_of(uow, event)
    if found is None:
        return
    enrollment, offering, provider = found
    if enrollment.reprobated_at != event.undoes_reprobated_at:
        log.info("reactivation of %s has nothing to undo", event.enrollment_id)
        return
    now = uow.now()
    today = now.astimezone(ZoneInfo(provider.time_zone)).date()
    until = max(event.cycle.ends_at, enrollment.cycle_ends_at or event.cycle.ends_at)
    cancelled = await uow.bookings.reprobation_restorable(
        enrollment.enrollment_id, event.undoes_reprobated_at, today, now, until
    )
    for booking in cancelled:
        if await take_seat(uow, offering, booking.starts_at):
            await restore(uow, booking, offering, provider, now, RestoreCause.REACTIVATION)
        else:
            key = f"not-restored:reprobation:{event.undoes_reprobated_at}"
            await report_lost_seat(uow, booking, enrollment, offering, provider, key)
    enrollment.reprobated_at = None
    await uow.enrollments.save(enrollment)
