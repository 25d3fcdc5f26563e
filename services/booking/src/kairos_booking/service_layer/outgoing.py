"""Every event booking publishes is built here, and only here
(libs/contracts/tests/test_catalog_emitters.py): one small builder per event and case,
from domain objects already read and the time. Handlers read (the mentee, the offering),
call a builder and emit what it returns; no builder does I/O.

Booking events carry the booking as it is now (``booking_fields``): the sequence, the
offering's title, meeting link and reminder times, provider and mentee with their contact
details.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kairos_booking.domain.model import (
    Booking,
    Hold,
    OccurrenceRejection,
    Offering,
    Person,
    Provider,
)
from kairos_booking.domain.recurring import PlannedSession
from kairos_contracts import types as ct
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRejected,
    BookingRescheduled,
    BookingRestored,
    CancellationReason,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    HoldReleaseReason,
    OfferingKind,
    OfferingPublished,
    RejectionReason,
    RestoreCause,
)
from kairos_contracts.events.payments import PaymentVerified
from kairos_contracts.types import Actor, PaymentMethod

# BookingRejected needs a provider id even when the offering is unknown to us.
UNKNOWN_PROVIDER = uuid.UUID(int=0)


def person(p: Person) -> ct.Person:
    return ct.Person(user_id=p.user_id, email=p.email, display_name=p.display_name)


def provider(p: Provider) -> ct.Provider:
    return ct.Provider(
        provider_id=p.provider_id, user_id=p.user_id, email=p.email, display_name=p.display_name
    )


def cycle_of(booking: Booking) -> ct.BillingCycle | None:
    if booking.cycle_number is None or not booking.cycle_starts_at or not booking.cycle_ends_at:
        return None
    return ct.BillingCycle(
        number=booking.cycle_number,
        starts_at=booking.cycle_starts_at,
        ends_at=booking.cycle_ends_at,
    )


# --- offerings -------------------------------------------------------------------------


def offering_published(offering: Offering, who: Provider, at: datetime) -> OfferingPublished:
    """The offering as it now is, for payments' price list (recurring: per month)."""
    return OfferingPublished(
        offering_id=offering.offering_id,
        version=offering.version,
        provider=provider(who),
        provider_time_zone=who.time_zone,
        title=offering.title,
        kind=OfferingKind(str(offering.kind)),
        amount_minor=offering.price_minor,
        currency=offering.currency,
        price_in_credits=offering.price_in_credits,
        interval="month" if offering.recurring else None,
        capacity=offering.capacity,
        active=offering.active,
        published_at=at,
    )


# --- holds -----------------------------------------------------------------------------


def _hold_fields(hold: Hold) -> dict[str, Any]:
    return {
        "hold_id": hold.hold_id,
        "offering_id": hold.offering_id,
        "provider_id": hold.provider_id,
        "mentee_id": hold.mentee_id,
        "starts_at": hold.starts_at,
        "ends_at": hold.ends_at,
    }


def hold_placed(hold: Hold, offering: Offering) -> HoldPlaced:
    return HoldPlaced(
        **_hold_fields(hold),
        offering_title=offering.title,
        amount_minor=hold.amount_minor,
        currency=hold.currency,
        price_in_credits=hold.price_in_credits,
        expires_at=hold.expires_at,
    )


def hold_released(hold: Hold, reason: HoldReleaseReason, at: datetime) -> HoldReleased:
    return HoldReleased(
        **_hold_fields(hold), reason=reason, payment_id=hold.payment_id, released_at=at
    )


def hold_expired(hold: Hold, at: datetime) -> HoldExpired:
    return HoldExpired(**_hold_fields(hold), expired_at=at)


# --- bookings --------------------------------------------------------------------------


def booking_fields(
    booking: Booking, offering: Offering, who: Provider, mentee: Person
) -> dict[str, Any]:
    """What every booking event says about the booking as it is now."""
    return {
        "booking_id": booking.booking_id,
        "sequence": booking.sequence,
        "offering_id": booking.offering_id,
        "offering_title": offering.title,
        "provider": provider(who),
        "mentee": person(mentee),
        "provider_time_zone": who.time_zone,
        "payment_id": booking.payment_id,
        "payment_method": booking.payment_method,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "subscription_id": booking.subscription_id,
        "enrollment_id": booking.enrollment_id,
        "cycle": cycle_of(booking),
        "meeting_url": offering.meeting_url,
        # the offering's reminders as they are now ([] = none), for attendance's mails
        "reminder_minutes_before": list(offering.reminder_minutes_before),
    }


def booking_confirmed(
    booking: Booking, offering: Offering, who: Provider, mentee: Person
) -> BookingConfirmed:
    """A booking just made (of a hold, or a session of a paid cycle: no hold)."""
    return BookingConfirmed(
        **booking_fields(booking, offering, who, mentee),
        hold_id=booking.hold_id,
        amount_minor=booking.amount_minor,
        currency=booking.currency,
    )


def booking_cancelled(
    booking: Booking, offering: Offering, who: Provider, mentee: Person
) -> BookingCancelled:
    """A booking just cancelled (by its mentee or mentor, an unsubscribe, a reprobation):
    who, why, when and the refund are the booking's own cancellation data."""
    assert booking.cancelled_by and booking.cancel_reason and booking.cancelled_at
    return BookingCancelled(
        **booking_fields(booking, offering, who, mentee),
        cancelled_by=Actor(booking.cancelled_by),
        reason=CancellationReason(booking.cancel_reason),
        cancelled_at=booking.cancelled_at,
        refund_amount_minor=booking.refund_amount_minor,
        currency=booking.currency,
    )


def booking_rescheduled(
    booking: Booking,
    offering: Offering,
    who: Provider,
    mentee: Person,
    previous: tuple[datetime, datetime],
    by: Actor,
    at: datetime,
) -> BookingRescheduled:
    return BookingRescheduled(
        **booking_fields(booking, offering, who, mentee),
        previous_starts_at=previous[0],
        previous_ends_at=previous[1],
        rescheduled_by=by,
        rescheduled_at=at,
    )


def booking_restored(
    booking: Booking,
    offering: Offering,
    who: Provider,
    mentee: Person,
    cause: RestoreCause,
    previously_cancelled_at: datetime,
    at: datetime,
) -> BookingRestored:
    return BookingRestored(
        **booking_fields(booking, offering, who, mentee),
        cause=cause,
        restored_at=at,
        previously_cancelled_at=previously_cancelled_at,
    )


# --- rejections: a paid payment, a cycle or an occurrence that gets no booking ----------


def booking_rejected(
    event: PaymentVerified,
    hold: Hold | None,
    offering: Offering | None,
    mentee: Person,
    reason: RejectionReason,
    at: datetime,
) -> BookingRejected:
    """The rejection of a one-time payment (both of its handlers build it here)."""
    return BookingRejected(
        payment_id=event.payment_id,
        rejection_id=uuid.uuid5(event.payment_id, "rejection"),
        payment_method=event.method,
        hold_id=event.hold_id,
        offering_id=event.offering_id,
        provider_id=offering.provider_id if offering else UNKNOWN_PROVIDER,
        mentee=person(mentee),
        starts_at=hold.starts_at if hold else None,
        ends_at=hold.ends_at if hold else None,
        reason=reason,
        amount_minor=event.amount_minor,
        currency=event.currency,
        rejected_at=at,
    )


def cycle_rejected(
    event: PaymentVerified,
    offering: Offering | None,
    mentee: Person,
    reason: RejectionReason,
    rejection_id: uuid.UUID,
    amount: int,
    at: datetime,
    session: PlannedSession | None = None,
    enrollment_id: uuid.UUID | None = None,
) -> BookingRejected:
    """A paid cycle, whole (no ``session``) or one of its occurrences, gets nothing."""
    return BookingRejected(
        payment_id=event.payment_id,
        rejection_id=rejection_id,
        payment_method=event.method,
        subscription_id=event.subscription_id,
        enrollment_id=enrollment_id,
        cycle=event.cycle,
        offering_id=event.offering_id,
        provider_id=offering.provider_id if offering else UNKNOWN_PROVIDER,
        mentee=person(mentee),
        starts_at=session.starts_at if session else None,
        ends_at=session.ends_at if session else None,
        reason=reason,
        amount_minor=amount,
        currency=event.currency,
        rejected_at=at,
    )


def seat_lost(
    booking: Booking,
    rejection: OccurrenceRejection,
    offering: Offering,
    who: Provider,
    mentee: Person,
    at: datetime,
) -> BookingRejected:
    """A cancelled session that cannot come back (its seat was taken meanwhile)."""
    return BookingRejected(
        payment_id=booking.payment_id,
        rejection_id=rejection.rejection_id,
        payment_method=PaymentMethod.SUBSCRIPTION,
        subscription_id=booking.subscription_id,
        enrollment_id=rejection.enrollment_id,
        cycle=cycle_of(booking),
        offering_id=offering.offering_id,
        provider_id=who.provider_id,
        mentee=person(mentee),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        reason=RejectionReason.OCCURRENCE_UNAVAILABLE,
        amount_minor=booking.amount_minor,
        currency=booking.currency,
        rejected_at=at,
    )
