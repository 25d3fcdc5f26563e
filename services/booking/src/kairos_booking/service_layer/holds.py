"""Holds: a seat reserved for a few minutes while the mentee pays. Never a booking."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from kairos_booking.domain import slots as domain
from kairos_booking.domain.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from kairos_booking.domain.model import Hold, HoldStatus, Offering, Person
from kairos_booking.service_layer import outgoing
from kairos_booking.service_layer.ports import BookingUow
from kairos_booking.service_layer.seats import expire_due, take_seat
from kairos_booking.service_layer.slots import bookable_offering_with_hours
from kairos_contracts.events.booking import HoldReleaseReason
from kairos_platform.auth import Principal, is_admin


async def check_bookable(uow: BookingUow, offering_id: uuid.UUID, starts_at: datetime) -> Offering:
    """The offering; 422 unless ``starts_at`` is one of its slots inside its bookable
    window."""
    # the slot's local day is within a day of its UTC day, is_slot looks a day around it
    utc_day = starts_at.astimezone(UTC).date()
    offering, provider, availability = await bookable_offering_with_hours(
        uow, offering_id, utc_day - timedelta(days=2), utc_day + timedelta(days=2)
    )
    earliest, latest = domain.bookable_window(offering, uow.now())
    if not earliest <= starts_at <= latest:
        raise Invalid("That time is in the past, inside the minimum notice or too far ahead.")
    if not domain.is_slot(offering, availability, ZoneInfo(provider.time_zone), starts_at):
        raise Invalid("That time is not a slot of this offering.", slug="not-a-slot")
    return offering


async def place_hold(
    uow: BookingUow,
    mentee: Person,
    offering_id: uuid.UUID,
    starts_at: datetime,
    ttl: timedelta,
) -> Hold:
    offering = await check_bookable(uow, offering_id, starts_at)
    now = uow.now()
    existing = await uow.holds.held_by(offering_id, starts_at, mentee.user_id)
    if existing is not None and existing.is_live(now):
        # a retried request learns which hold is its own
        raise Conflict(
            "You already hold this slot.", slug="hold-taken", hold_id=str(existing.hold_id)
        )
    if await uow.bookings.booked_by(offering_id, starts_at, mentee.user_id):
        raise Conflict("You already booked this slot.", slug="already-booked")
    # The person's row before any seat lock: a paid cycle writes it before it takes the
    # provider's lock for its sessions, so the other order deadlocked with it.
    await uow.people.remember(mentee)
    # Seat first, then end a hold of ours past expiry not swept yet (before the new one is
    # inserted): ending it first would lock the occurrence's row, and take_seat may then
    # wait for the provider's lock while holding it (the lock order is provider, then
    # seat row). Its seat still counts until then; a full occurrence gives back the seats
    # of its holds past expiry inside take_seat, in that order.
    if not await take_seat(uow, offering, starts_at):
        raise Conflict("This slot is full.", slug="slot-full")
    if existing is not None:
        await expire_due(uow, now, 1000, offering=offering, starts_at=starts_at)
    hold = Hold(
        hold_id=uuid.uuid4(),
        offering_id=offering_id,
        provider_id=offering.provider_id,
        mentee_id=mentee.user_id,
        starts_at=starts_at,
        ends_at=starts_at + offering.duration,
        amount_minor=offering.price_minor,
        currency=offering.currency,
        price_in_credits=offering.price_in_credits,
        expires_at=now + ttl,
    )
    await uow.holds.add(hold)
    uow.emit(outgoing.hold_placed(hold, offering))
    await uow.commit()
    return hold


async def my_holds(
    uow: BookingUow, caller: Principal, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> list[Hold]:
    """The caller's holds still held and not run out, soonest slot first."""
    return await uow.holds.live_of(caller.user_id, uow.now(), limit, after)


async def get_own_hold(uow: BookingUow, caller: Principal, hold_id: uuid.UUID) -> Hold:
    hold = await uow.holds.get(hold_id)
    if hold is None:
        raise NotFound(f"No hold {hold_id}.")
    if hold.mentee_id != caller.user_id and not is_admin(caller):
        raise Forbidden("This hold belongs to someone else.", slug="not-owner")
    return hold


async def release_hold(uow: BookingUow, caller: Principal, hold_id: uuid.UUID) -> Hold:
    """The mentee gives the seat back: HoldReleased. 410 if it ran out, 409 if it ended."""
    await get_own_hold(uow, caller, hold_id)
    hold = await uow.holds.get(hold_id, lock=True)
    assert hold is not None
    now = uow.now()
    if hold.status is HoldStatus.EXPIRED or (
        hold.status is HoldStatus.HELD and not hold.is_live(now)
    ):
        raise Gone("This hold has expired.", slug="hold-expired")
    if hold.status is not HoldStatus.HELD:
        raise Conflict(f"This hold has already ended ({hold.status}).", slug="hold-ended")
    await end_hold(uow, hold, HoldStatus.RELEASED, HoldReleaseReason.RELEASED_BY_MENTEE, now)
    await uow.commit()
    return hold


async def end_hold(
    uow: BookingUow,
    hold: Hold,
    status: HoldStatus,
    reason: HoldReleaseReason,
    now: datetime,
    payment_id: uuid.UUID | None = None,
) -> bool:
    """End a held hold as released, give its seat back and say so (HoldReleased)."""
    if not await uow.holds.end(hold.hold_id, status, now, payment_id):
        return False
    await uow.seats.free(hold.offering_id, hold.starts_at)
    hold.payment_id = payment_id
    uow.emit(outgoing.hold_released(hold, reason, now))
    return True


async def expire_due_holds(uow: BookingUow, batch: int) -> int:
    """One bounded batch of the expiry job (safe with replicas: SKIP LOCKED claims)."""
    expired = await expire_due(uow, uow.now(), batch)
    await uow.commit()
    return expired
