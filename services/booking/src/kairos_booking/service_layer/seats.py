"""Taking and giving back seats: the one algorithm every seat-taking path uses.

Fast path: the occurrence is already occupied, so its overlap with the provider's other
sessions was checked by whoever opened it; one conditional UPDATE takes a seat.
Full: when that UPDATE fails, the occurrence's row is locked and read; full with no hold
past expiry means no seat, decided at once under the row lock.
Slow path (first seat of an occurrence): under the provider's transaction lock, check no
other occupied occurrence of the provider overlaps (buffers included), then take.
A full occurrence first gives back the seats of its holds past expiry (HoldExpired), so a
seat is never refused because the sweeper has not come by yet.
"""

from __future__ import annotations

from datetime import datetime

from kairos_booking.domain.model import Hold, HoldStatus, Occurrence, Offering
from kairos_booking.service_layer import outgoing
from kairos_booking.service_layer.ports import BookingUow


async def take_seat(uow: BookingUow, offering: Offering, starts_at: datetime) -> bool:
    if await uow.seats.take_if_open(offering.offering_id, starts_at, offering.capacity):
        return True
    now = uow.now()
    if await uow.seats.full_with_nothing_due(
        offering.offering_id, starts_at, offering.capacity, now
    ):
        # Decided under the occurrence's row lock, held until commit: full, and no hold
        # past expiry to give back. The slow path below could only reach the same answer
        # (after serialising on the provider's lock).
        return False
    if await _open_and_take(uow, offering, starts_at):
        return True
    if await expire_due(uow, now, 1000, offering=offering, starts_at=starts_at):
        return await _take(uow, offering, starts_at)
    return False


async def _take(uow: BookingUow, offering: Offering, starts_at: datetime) -> bool:
    if await uow.seats.take_if_open(offering.offering_id, starts_at, offering.capacity):
        return True
    return await _open_and_take(uow, offering, starts_at)


async def _open_and_take(uow: BookingUow, offering: Offering, starts_at: datetime) -> bool:
    """Slow path: under the provider's lock, open the occurrence if no other occupied one
    overlaps it, then take a seat."""
    occ = Occurrence.of(offering, starts_at)
    await uow.catalog.lock_provider(offering.provider_id)
    await uow.seats.ensure(occ)
    if await uow.seats.clashes(occ):
        return False
    return await uow.seats.take(offering.offering_id, starts_at, offering.capacity)


async def expire(uow: BookingUow, hold: Hold, now: datetime) -> bool:
    """End one held hold as expired and give its seat back (HoldExpired), once."""
    if not await uow.holds.end(hold.hold_id, HoldStatus.EXPIRED, now):
        return False
    await uow.seats.free(hold.offering_id, hold.starts_at)
    uow.emit(outgoing.hold_expired(hold, now))
    return True


async def expire_due(
    uow: BookingUow,
    now: datetime,
    limit: int,
    *,
    offering: Offering | None = None,
    starts_at: datetime | None = None,
) -> int:
    """Expire up to ``limit`` holds past expiry (of one occurrence, if given)."""
    due = await uow.holds.claim_due(
        now,
        limit,
        offering_id=offering.offering_id if offering else None,
        starts_at=starts_at,
    )
    return sum([await expire(uow, hold, now) for hold in due])
