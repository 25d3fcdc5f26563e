"""Contract events built from domain objects (the fields every consumer needs)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kairos_booking.domain.model import Booking, Hold, Offering, Person, Provider
from kairos_booking.service_layer.ports import BookingUow
from kairos_contracts import types as ct
from kairos_contracts.events.booking import (
    HoldExpired,
    HoldReleased,
    HoldReleaseReason,
    OfferingKind,
    OfferingPublished,
)

# BookingRejected needs a provider id even when the offering is unknown to us.
UNKNOWN_PROVIDER = uuid.UUID(int=0)


def person(p: Person) -> ct.Person:
    return ct.Person(user_id=p.user_id, email=p.email, display_name=p.display_name)


def provider(p: Provider) -> ct.Provider:
    return ct.Provider(
        provider_id=p.provider_id, user_id=p.user_id, email=p.email, display_name=p.display_name
    )


def hold_fields(hold: Hold) -> dict[str, Any]:
    return {
        "hold_id": hold.hold_id,
        "offering_id": hold.offering_id,
        "provider_id": hold.provider_id,
        "mentee_id": hold.mentee_id,
        "starts_at": hold.starts_at,
        "ends_at": hold.ends_at,
    }


def hold_released(hold: Hold, reason: HoldReleaseReason, at: datetime) -> HoldReleased:
    return HoldReleased(
        **hold_fields(hold), reason=reason, payment_id=hold.payment_id, released_at=at
    )


def hold_expired(hold: Hold, at: datetime) -> HoldExpired:
    return HoldExpired(**hold_fields(hold), expired_at=at)


async def booking_fields(
    uow: BookingUow, booking: Booking, offering: Offering, who: Provider
) -> dict[str, Any]:
    """What every booking event says about the booking as it is now."""
    return booking_fields_with(booking, offering, who, await uow.people.get(booking.mentee_id))


def booking_fields_with(
    booking: Booking, offering: Offering, who: Provider, mentee: Person
) -> dict[str, Any]:
    """``booking_fields`` with the mentee already read (set-based handlers read them all)."""
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
    }


def cycle_of(booking: Booking) -> ct.BillingCycle | None:
    if booking.cycle_number is None or not booking.cycle_starts_at or not booking.cycle_ends_at:
        return None
    return ct.BillingCycle(
        number=booking.cycle_number,
        starts_at=booking.cycle_starts_at,
        ends_at=booking.cycle_ends_at,
    )


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
