"""Commands and queries on existing bookings: cancel, reschedule, list.

None of these creates a booking: they update rows the PaymentVerified handler inserted.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kairos_booking.domain import slots as domain
from kairos_booking.domain.errors import Conflict, Forbidden, Invalid, NotFound
from kairos_booking.domain.model import Booking, BookingStatus, Offering, Person, Provider
from kairos_booking.domain.policy import actor_for, refund_for
from kairos_booking.service_layer import outgoing
from kairos_booking.service_layer.catalog import owned_provider
from kairos_booking.service_layer.holds import check_bookable
from kairos_booking.service_layer.ports import BookingUow
from kairos_booking.service_layer.seats import take_seat
from kairos_contracts.types import Actor
from kairos_platform.auth import Principal, is_admin


async def _open_booking(
    uow: BookingUow, caller: Principal, booking_id: uuid.UUID
) -> tuple[Booking, Offering, Provider, str]:
    """The booking (row-locked), its offering and provider, and the caller's role on it."""
    booking = await uow.bookings.get(booking_id, lock=True)
    if booking is None:
        raise NotFound(f"No booking {booking_id}.")
    offering = await uow.catalog.get_offering(booking.offering_id)
    provider = await uow.catalog.get_provider(booking.provider_id)
    assert offering is not None and provider is not None  # foreign keys
    actor = actor_for(caller.user_id, is_admin(caller), booking, provider)
    if actor is None:
        raise Forbidden("This booking belongs to someone else.", slug="not-owner")
    if booking.status is not BookingStatus.CONFIRMED:
        raise Conflict("This booking is already cancelled.", slug="booking-cancelled")
    if booking.starts_at <= uow.now():
        raise Conflict("This session has already started.", slug="booking-started")
    return booking, offering, provider, actor


async def cancel_booking(
    uow: BookingUow, caller: Principal, booking_id: uuid.UUID, note: str | None
) -> Booking:
    booking, offering, provider, actor = await _open_booking(uow, caller, booking_id)
    now = uow.now()
    booking.status = BookingStatus.CANCELLED
    booking.sequence += 1
    booking.cancelled_at = now
    booking.cancelled_by = actor
    booking.cancel_reason = f"by_{actor}"
    booking.cancel_note = note
    booking.refund_amount_minor = refund_for(actor, booking, offering, now)
    await uow.bookings.save(booking)
    await uow.seats.free(booking.offering_id, booking.starts_at)
    mentee = await uow.people.get(booking.mentee_id)
    uow.emit(outgoing.booking_cancelled(booking, offering, provider, mentee))
    await uow.commit()
    return booking


async def reschedule_booking(
    uow: BookingUow, caller: Principal, booking_id: uuid.UUID, starts_at: datetime
) -> Booking:
    """Move to another slot of the same offering in one transaction: the old seat is given
    back and the new one taken (409 if full, and then nothing changed); same payment."""
    booking, offering, provider, actor = await _open_booking(uow, caller, booking_id)
    if starts_at == booking.starts_at:
        raise Invalid("The booking is already at that time.")
    await check_bookable(uow, offering.offering_id, starts_at)
    if await uow.bookings.booked_by(offering.offering_id, starts_at, booking.mentee_id):
        raise Conflict("The mentee already has this slot.", slug="already-booked")
    await uow.catalog.lock_provider(provider.provider_id)
    await uow.seats.free(booking.offering_id, booking.starts_at)
    if not await take_seat(uow, offering, starts_at):
        raise Conflict("That slot is full.", slug="slot-full")
    previous = (booking.starts_at, booking.ends_at)
    booking.starts_at, booking.ends_at = starts_at, starts_at + offering.duration
    booking.sequence += 1
    await uow.bookings.save(booking)
    now = uow.now()
    mentee = await uow.people.get(booking.mentee_id)
    by = Actor(actor)
    uow.emit(outgoing.booking_rescheduled(booking, offering, provider, mentee, previous, by, now))
    await uow.commit()
    return booking


async def booking_for(
    uow: BookingUow, caller: Principal, booking_id: uuid.UUID
) -> tuple[Booking, Person]:
    """One booking, whatever its status, and who booked it (their name and e-mail as booking
    last heard them): for its mentee, the mentor of its provider, or an admin (403 for
    anyone else, 404 when there is no such booking)."""
    booking = await uow.bookings.get(booking_id)
    if booking is None:
        raise NotFound(f"No booking {booking_id}.", slug="unknown-booking")
    provider = await uow.catalog.get_provider(booking.provider_id)
    assert provider is not None  # foreign key
    if actor_for(caller.user_id, is_admin(caller), booking, provider) is None:
        raise Forbidden("This booking belongs to someone else.", slug="not-owner")
    return booking, await uow.people.get(booking.mentee_id)


async def my_bookings(
    uow: BookingUow,
    caller: Principal,
    *,
    upcoming: bool,
    limit: int = 200,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[Booking]:
    return await uow.bookings.for_mentee(
        caller.user_id, upcoming=upcoming, now=uow.now(), limit=limit, after=after
    )


async def provider_schedule(
    uow: BookingUow,
    caller: Principal,
    provider_id: uuid.UUID,
    first: date,
    last: date,
    limit: int | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> tuple[Provider, list[Booking]]:
    why = domain.check_range(first, last)
    if why:
        raise Invalid(why)
    provider = await owned_provider(uow, provider_id, caller)
    zone = ZoneInfo(provider.time_zone)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return provider, await uow.bookings.for_provider(provider_id, start, end, limit, after)
