"""Reactions to payments. ``on_payment_verified`` is the only code that creates bookings.

Each runs inside the Dispatcher's transaction (inbox already claimed), so the decision,
the seat, the booking and the outgoing event commit together or not at all. Decisions are
also kept per payment (``payment_decisions``), so a payment verified twice under two event
ids still gets one answer.

A subscription cycle's payment (``subscription_id`` set) goes to ``cycles.on_cycle_paid``
under the same one-decision-per-payment rule: it creates that cycle's sessions.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from enum import Enum

from kairos_booking.domain.model import Booking, Hold, HoldStatus, Offering, Provider
from kairos_booking.service_layer import outgoing
from kairos_booking.service_layer.cycles import on_cycle_paid
from kairos_booking.service_layer.holds import end_hold
from kairos_booking.service_layer.ports import BookingUow
from kairos_booking.service_layer.seats import take_seat
from kairos_contracts import Envelope
from kairos_contracts.events.booking import HoldReleaseReason, RejectionReason
from kairos_contracts.events.payments import PaymentCancelled, PaymentVerified

log = logging.getLogger(__name__)


async def on_payment_verified(event: PaymentVerified, envelope: Envelope, uow: BookingUow) -> None:
    if await uow.bookings.decision(event.payment_id) is not None:
        return  # the same payment verified again: it already has its answer
    if event.subscription_id is not None:
        await on_cycle_paid(event, uow)
        return
    assert event.hold_id is not None  # the contract: a one-time payment names its hold
    hold = await uow.holds.get(event.hold_id, lock=True)
    offering, provider = await uow.catalog.offering_and_provider(event.offering_id)
    outcome = verdict(event, hold, offering, provider, uow.now())
    if outcome is Verdict.NEEDS_SEAT:
        assert hold is not None and offering is not None
        outcome = await _seat_for(uow, event, hold, offering)
    if isinstance(outcome, RejectionReason):
        await _reject(uow, event, hold, offering, outcome)
        return
    assert hold is not None and offering is not None and provider is not None
    await _confirm(uow, event, hold, offering, provider)


class Verdict(Enum):
    CONFIRM = "confirm"  # the hold's seat becomes the booking
    NEEDS_SEAT = "needs_seat"  # expired hold: a seat still free may be taken


def verdict(
    event: PaymentVerified,
    hold: Hold | None,
    offering: Offering | None,
    provider: Provider | None,
    now: datetime,
) -> Verdict | RejectionReason:
    """What a one-time payment gets from what is read (no I/O): confirmed on its hold's
    seat, a rejection, or a seat to find (then ``SLOT_FULL`` unless the payer holds no
    other booking of that slot and a seat is free). Both handlers decide with it.

    A released hold is refused; an expired one gets a seat only if one is still free
    (the rule payments applies too: services/booking/README.md, "Holds and payments")."""
    if offering is None or provider is None:
        return RejectionReason.OFFERING_GONE
    if hold is None:
        return RejectionReason.HOLD_UNKNOWN
    if hold.offering_id != offering.offering_id or hold.mentee_id != event.mentee_id:
        return RejectionReason.HOLD_UNKNOWN
    if not offering.active:
        return RejectionReason.OFFERING_GONE
    if not provider.active:
        return RejectionReason.PROVIDER_INACTIVE
    if hold.status is HoldStatus.HELD:
        return Verdict.CONFIRM  # the hold's seat becomes the booking's, even just past expiry
    if hold.status is HoldStatus.RELEASED:
        # Its release was answered 204 and its seat offered to others: never booked, the
        # payment is voided (payments cancels the authorization on HoldReleased too).
        return RejectionReason.HOLD_RELEASED
    if hold.status in (HoldStatus.CONVERTED, HoldStatus.REJECTED):
        return RejectionReason.HOLD_EXPIRED  # used up by another payment
    if hold.starts_at <= now:
        return RejectionReason.OCCURRENCE_UNAVAILABLE
    return Verdict.NEEDS_SEAT


def frees_a_seat(event: PaymentVerified, hold: Hold | None) -> bool:
    """Whether rejecting this payment ends its hold and gives the hold's seat back."""
    return hold is not None and hold.status is HoldStatus.HELD and hold.mentee_id == event.mentee_id


async def _seat_for(
    uow: BookingUow, event: PaymentVerified, hold: Hold, offering: Offering
) -> Verdict | RejectionReason:
    if await uow.bookings.booked_by(hold.offering_id, hold.starts_at, hold.mentee_id):
        return RejectionReason.SLOT_FULL  # never two seats for one mentee in one slot
    if await take_seat(uow, offering, hold.starts_at):
        return Verdict.CONFIRM
    return RejectionReason.SLOT_FULL


async def _confirm(
    uow: BookingUow, event: PaymentVerified, hold: Hold, offering: Offering, provider: Provider
) -> None:
    now = uow.now()
    booking = booking_for(event, hold, offering, provider)
    await uow.holds.end(hold.hold_id, HoldStatus.CONVERTED, now, event.payment_id)
    await uow.bookings.decide(event.payment_id, "booked", booking_id=booking.booking_id)
    await uow.bookings.declare_verifying(event.payment_id)
    await uow.bookings.add(booking)
    mentee = await uow.people.get(booking.mentee_id)
    uow.emit(outgoing.booking_confirmed(booking, offering, provider, mentee))


def booking_for(
    event: PaymentVerified, hold: Hold, offering: Offering, provider: Provider
) -> Booking:
    """The booking a one-time payment makes of its hold (both handlers build it here)."""
    return Booking(
        booking_id=uuid.uuid4(),
        offering_id=offering.offering_id,
        provider_id=provider.provider_id,
        mentee_id=hold.mentee_id,
        starts_at=hold.starts_at,
        ends_at=hold.ends_at,
        payment_id=event.payment_id,
        payment_method=str(event.method),
        amount_minor=event.amount_minor,
        currency=event.currency,
        hold_id=hold.hold_id,
    )


async def _reject(
    uow: BookingUow,
    event: PaymentVerified,
    hold: Hold | None,
    offering: Offering | None,
    reason: RejectionReason,
) -> None:
    """No booking: say so (payments voids or refunds) and give back a seat the hold kept."""
    now = uow.now()
    if frees_a_seat(event, hold):
        assert hold is not None
        if await uow.holds.end(hold.hold_id, HoldStatus.REJECTED, now, event.payment_id):
            await uow.seats.free(hold.offering_id, hold.starts_at)
    await uow.bookings.decide(event.payment_id, "rejected", reason=str(reason))
    mentee = await uow.people.get(event.mentee_id)
    uow.emit(outgoing.booking_rejected(event, hold, offering, mentee, reason, now))


async def _release_for_payment(
    uow: BookingUow,
    hold_id: uuid.UUID | None,
    payment_id: uuid.UUID,
    mentee_id: uuid.UUID,
    reason: HoldReleaseReason,
) -> None:
    """A payment that ends unpaid releases its hold at once: the slot is bookable again.
    (A declined card does not end it: the payer may try another until the hold expires.)"""
    if hold_id is None:
        return  # a subscription invoice: Stripe retries, nothing to release
    hold = await uow.holds.get(hold_id, lock=True)
    if hold is None or hold.mentee_id != mentee_id or hold.status is not HoldStatus.HELD:
        return
    now: datetime = uow.now()
    await end_hold(uow, hold, HoldStatus.RELEASED, reason, now, payment_id)


async def on_payment_cancelled(
    event: PaymentCancelled, envelope: Envelope, uow: BookingUow
) -> None:
    await _release_for_payment(
        uow, event.hold_id, event.payment_id, event.mentee_id, HoldReleaseReason.PAYMENT_CANCELLED
    )
