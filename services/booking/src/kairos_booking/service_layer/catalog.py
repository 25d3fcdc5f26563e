"""Commands on providers, offerings and hours (mentor on their own, or admin)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

from kairos_booking.domain.errors import Conflict, Forbidden, Invalid, NotFound
from kairos_booking.domain.model import (
    Availability,
    DateOverride,
    Minutes,
    Offering,
    Provider,
    reminders,
)
from kairos_booking.domain.recurring import pattern_problem
from kairos_booking.service_layer import outgoing
from kairos_booking.service_layer.ports import BookingUow
from kairos_platform.auth import Principal, is_admin


async def owned_provider(uow: BookingUow, provider_id: uuid.UUID, caller: Principal) -> Provider:
    """The provider, if ``caller`` acts for it (or is an admin): 404, else 403."""
    provider = await uow.catalog.get_provider(provider_id)
    if provider is None:
        raise NotFound(f"No provider {provider_id}.")
    if provider.user_id != caller.user_id and not is_admin(caller):
        raise Forbidden("This provider belongs to someone else.", slug="not-owner")
    return provider


async def create_provider(
    uow: BookingUow,
    caller: Principal,
    *,
    display_name: str,
    email: str | None,
    time_zone: str,
    user_id: uuid.UUID | None = None,
) -> Provider:
    """A mentor creates their own provider; an admin may create one for any user."""
    owner = user_id or caller.user_id
    if owner != caller.user_id and not is_admin(caller):
        raise Forbidden("Only an admin creates a provider for someone else.", slug="not-owner")
    if await uow.catalog.provider_of_user(owner) is not None:
        raise Conflict("This user already has a provider.", slug="provider-exists")
    provider = Provider(uuid.uuid4(), owner, display_name, email, time_zone)
    await uow.catalog.add_provider(provider)
    await uow.commit()
    return provider


async def update_provider(
    uow: BookingUow, caller: Principal, provider_id: uuid.UUID, changes: dict[str, Any]
) -> Provider:
    """OfferingPublished carries the provider (name, e-mail, zone), so each of its
    offerings is published again, with a new version, in the same transaction."""
    provider = replace(await owned_provider(uow, provider_id, caller), **changes)
    await uow.catalog.save_provider(provider)
    for offering in await uow.catalog.offerings_of(provider_id):
        offering.version += 1
        await uow.catalog.save_offering(offering)
        uow.emit(outgoing.offering_published(offering, provider, uow.now()))
    await uow.commit()
    return provider


async def set_weekly_hours(
    uow: BookingUow,
    caller: Principal,
    provider_id: uuid.UUID,
    weekly: dict[int, tuple[Minutes, ...]],
) -> None:
    await owned_provider(uow, provider_id, caller)
    await uow.catalog.set_weekly(provider_id, weekly)
    await uow.commit()


async def put_override(
    uow: BookingUow, caller: Principal, provider_id: uuid.UUID, override: DateOverride
) -> None:
    await owned_provider(uow, provider_id, caller)
    await uow.catalog.put_override(provider_id, override)
    await uow.commit()


async def delete_override(
    uow: BookingUow, caller: Principal, provider_id: uuid.UUID, day: date
) -> None:
    await owned_provider(uow, provider_id, caller)
    if not await uow.catalog.delete_override(provider_id, day):
        raise NotFound(f"No override on {day.isoformat()}.")
    await uow.commit()


def check_shape(offering: Offering) -> Offering:
    """A recurring offering has a weekly pattern and no credit price (it is billed per
    cycle); a one-time offering has no pattern (its times are the provider's slots).
    Its reminders must be valid; the offering is returned with them in stored order."""
    try:
        offering = replace(
            offering, reminder_minutes_before=reminders(offering.reminder_minutes_before)
        )
    except ValueError as exc:
        raise Invalid(f"reminder_minutes_before: {exc}") from exc
    if offering.recurring:
        why = pattern_problem(offering.pattern)
        if why:
            raise Invalid(why)
        if offering.price_in_credits is not None:
            raise Invalid("a recurring offering is billed per cycle: no price_in_credits")
    elif offering.pattern:
        raise Invalid("only a recurring offering has a weekly pattern")
    return offering


async def create_offering(
    uow: BookingUow, caller: Principal, provider_id: uuid.UUID, fields: dict[str, Any]
) -> Offering:
    provider = await owned_provider(uow, provider_id, caller)
    offering = check_shape(Offering(offering_id=uuid.uuid4(), provider_id=provider_id, **fields))
    await uow.catalog.add_offering(offering)
    uow.emit(outgoing.offering_published(offering, provider, uow.now()))
    await uow.commit()
    return offering


async def owned_offering(
    uow: BookingUow, offering_id: uuid.UUID, caller: Principal, *, lock: bool = False
) -> tuple[Offering, Provider]:
    offering = await uow.catalog.get_offering(offering_id, lock=lock)
    if offering is None:
        raise NotFound(f"No offering {offering_id}.")
    return offering, await owned_provider(uow, offering.provider_id, caller)


async def update_offering(
    uow: BookingUow, caller: Principal, offering_id: uuid.UUID, changes: dict[str, Any]
) -> Offering:
    """Existing holds and bookings keep their times; new slots (and the next cycles of a
    recurring offering) follow the new shape. The kind never changes."""
    current, provider = await owned_offering(uow, offering_id, caller, lock=True)
    if changes.get("kind", current.kind) != current.kind:
        raise Invalid("an offering's kind cannot change; create a new offering instead")
    offering = check_shape(replace(current, **changes, version=current.version + 1))
    await uow.catalog.save_offering(offering)
    uow.emit(outgoing.offering_published(offering, provider, uow.now()))
    await uow.commit()
    return offering


# --- queries (public) -------------------------------------------------------------------


async def providers(
    uow: BookingUow, limit: int, after: tuple[str, uuid.UUID] | None
) -> list[Provider]:
    return await uow.catalog.list_providers(limit, after)


async def provider(uow: BookingUow, provider_id: uuid.UUID) -> Provider:
    found = await uow.catalog.get_provider(provider_id)
    if found is None:
        raise NotFound(f"No provider {provider_id}.")
    return found


async def my_provider(uow: BookingUow, caller: Principal) -> Provider:
    """The provider the caller runs (404 while they have none)."""
    found = await uow.catalog.provider_of_user(caller.user_id)
    if found is None:
        raise NotFound("You have no provider yet: create one.", slug="no-provider")
    return found


async def availability(uow: BookingUow, provider_id: uuid.UUID) -> Availability:
    await provider(uow, provider_id)
    return await uow.catalog.availability(provider_id)


async def offerings(
    uow: BookingUow,
    provider_id: uuid.UUID | None,
    limit: int,
    after: tuple[str, uuid.UUID] | None,
) -> list[Offering]:
    return await uow.catalog.list_offerings(provider_id, limit, after)


async def offering(uow: BookingUow, offering_id: uuid.UUID) -> Offering:
    found = await uow.catalog.get_offering(offering_id)
    if found is None:
        raise NotFound(f"No offering {offering_id}.")
    return found
