"""The public slot query."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kairos_booking.domain import slots as domain
from kairos_booking.domain.errors import Invalid, NotFound
from kairos_booking.domain.model import Availability, Offering, Provider
from kairos_booking.service_layer.ports import BookingUow


async def bookable_offering(uow: BookingUow, offering_id: uuid.UUID) -> tuple[Offering, Provider]:
    """An active one-time offering of an active provider: 404 if none, 422 if recurring
    (slots, holds and reschedules are one-time paths; a programme is subscribed to)."""
    offering, provider = await uow.catalog.offering_and_provider(offering_id)
    return _bookable(offering_id, offering, provider)


async def bookable_offering_with_hours(
    uow: BookingUow, offering_id: uuid.UUID, first: date, last: date
) -> tuple[Offering, Provider, Availability]:
    """``bookable_offering`` and its provider's hours (overrides from ``first`` to
    ``last``), read together."""
    offering, provider, hours = await uow.catalog.offering_with_hours(offering_id, first, last)
    return (*_bookable(offering_id, offering, provider), hours)


def _bookable(
    offering_id: uuid.UUID, offering: Offering | None, provider: Provider | None
) -> tuple[Offering, Provider]:
    if offering is None or provider is None or not offering.active or not provider.active:
        raise NotFound(f"No bookable offering {offering_id}.")
    if offering.recurring:
        raise Invalid(
            "This offering is a recurring programme: its sessions come with a subscription, "
            "not from slots or holds.",
            slug="offering-is-recurring",
        )
    return offering, provider


async def list_slots(
    uow: BookingUow, offering_id: uuid.UUID, first: date, last: date
) -> tuple[Offering, Provider, list[domain.Slot]]:
    why = domain.check_range(first, last)
    if why:
        raise Invalid(why)
    offering, provider, hours = await bookable_offering_with_hours(uow, offering_id, first, last)
    zone = ZoneInfo(provider.time_zone)
    # the provider's sessions that could touch these local days, buffers included
    start = datetime.combine(first, time(), zone) - timedelta(days=1)
    end = datetime.combine(last, time(), zone) + timedelta(days=2)
    now = uow.now()
    occupied = await uow.seats.occupied(provider.provider_id, start, end, now)
    found = domain.bookable_slots(offering, hours, zone, first, last, now, occupied)
    return offering, provider, found
