"""Catalog routes: public reads (no token) and mentor/admin management."""

from __future__ import annotations

import uuid
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from kairos_booking.domain.model import DateOverride
from kairos_booking.entrypoints import views
from kairos_booking.entrypoints.deps import Uow
from kairos_booking.entrypoints.models import AvailabilityOut, OfferingOut, ProviderOut, SlotsOut
from kairos_booking.entrypoints.schemas import (
    LocalDate,
    OfferingIn,
    OfferingPatch,
    OverrideIn,
    ProviderIn,
    ProviderPatch,
    WeeklyHoursIn,
)
from kairos_booking.service_layer import catalog
from kairos_booking.service_layer.slots import list_slots
from kairos_platform.auth import MentorOrAdmin
from kairos_platform.pagination import Page, PageQuery, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["catalog"])
management = APIRouter(tags=["catalog management"])
#: a mentor acting on a provider or offering not theirs, or one that does not exist
_OWNED = (*AUTHENTICATED, 403, 404)


@router.get("/providers")
async def providers(uow: Uow, page: PageQuery) -> Page[ProviderOut]:
    """Active providers by name."""
    found = await catalog.providers(uow, page.limit + 1, page.key(str, uuid.UUID))
    return page_of([ProviderOut.of(p) for p in found], page.limit, _by_name)


def _by_name(p: ProviderOut) -> tuple[str, uuid.UUID]:
    return p.display_name, p.provider_id


@router.get("/providers/{provider_id}", responses=problems(404))
async def get_provider(provider_id: uuid.UUID, uow: Uow) -> ProviderOut:
    return ProviderOut.of(await catalog.provider(uow, provider_id))


@router.get("/providers/{provider_id}/availability", responses=problems(404))
async def get_availability(provider_id: uuid.UUID, uow: Uow) -> AvailabilityOut:
    return AvailabilityOut.of(await catalog.availability(uow, provider_id))


@router.get("/offerings")
async def offerings(
    uow: Uow, page: PageQuery, provider_id: uuid.UUID | None = None
) -> Page[OfferingOut]:
    """Active offerings by title (of one provider, if given)."""
    found = await catalog.offerings(uow, provider_id, page.limit + 1, page.key(str, uuid.UUID))
    return page_of([OfferingOut.of(o) for o in found], page.limit, _by_title)


def _by_title(o: OfferingOut) -> tuple[str, uuid.UUID]:
    return o.title, o.offering_id


@router.get("/offerings/{offering_id}", responses=problems(404))
async def get_offering(offering_id: uuid.UUID, uow: Uow) -> OfferingOut:
    return OfferingOut.of(await catalog.offering(uow, offering_id))


# The answer is written by hand (views.slots_json): hundreds of slots, asked again and
# again; SlotsOut documents it.
@router.get(
    "/offerings/{offering_id}/slots",
    response_model=SlotsOut,
    responses=problems(404, 422, s422="Invalid dates, a range over 62 days, a programme."),
)
async def slots(
    offering_id: uuid.UUID,
    first: Annotated[LocalDate, Query(alias="from")],
    last: Annotated[LocalDate, Query(alias="to")],
    uow: Uow,
) -> Response:
    """Bookable slots of a one-time offering in a range of the provider's local dates,
    full ones included (``free: 0``)."""
    offering, provider, found = await list_slots(uow, offering_id, first, last)
    zone = ZoneInfo(provider.time_zone)
    body = views.slots_json(str(offering.offering_id), provider.time_zone, found, zone)
    return Response(body, media_type="application/json")


@management.post(
    "/providers",
    status_code=status.HTTP_201_CREATED,
    responses=problems(*AUTHENTICATED, 403, 409, s409="This user has a provider already."),
)
async def create_provider(body: ProviderIn, caller: MentorOrAdmin, uow: Uow) -> ProviderOut:
    return ProviderOut.of(await catalog.create_provider(uow, caller, **body.model_dump()))


@management.get(
    "/me/provider",
    responses=problems(
        *AUTHENTICATED, 403, 404,
        s403="Not a mentor or an admin.",
        s404="You have no provider yet (`no-provider`): create one with `POST /providers`.",
    ),
)  # fmt: skip
async def my_provider(caller: MentorOrAdmin, uow: Uow) -> ProviderOut:
    """The provider you run (a mentor has at most one)."""
    return ProviderOut.of(await catalog.my_provider(uow, caller))


@management.patch("/providers/{provider_id}", responses=problems(*_OWNED))
async def update_provider(
    provider_id: uuid.UUID, body: ProviderPatch, caller: MentorOrAdmin, uow: Uow
) -> ProviderOut:
    changes = body.model_dump(exclude_unset=True)
    return ProviderOut.of(await catalog.update_provider(uow, caller, provider_id, changes))


@management.put(
    "/providers/{provider_id}/availability", status_code=204, responses=problems(*_OWNED)
)
async def set_weekly(
    provider_id: uuid.UUID, body: WeeklyHoursIn, caller: MentorOrAdmin, uow: Uow
) -> None:
    await catalog.set_weekly_hours(uow, caller, provider_id, body.by_day())


@management.put(
    "/providers/{provider_id}/overrides/{day}", status_code=204, responses=problems(*_OWNED)
)
async def put_override(
    provider_id: uuid.UUID, day: LocalDate, body: OverrideIn, caller: MentorOrAdmin, uow: Uow
) -> None:
    override = DateOverride(day, body.kind, tuple(r.minutes() for r in body.ranges))
    await catalog.put_override(uow, caller, provider_id, override)


@management.delete(
    "/providers/{provider_id}/overrides/{day}", status_code=204, responses=problems(*_OWNED)
)
async def delete_override(
    provider_id: uuid.UUID, day: LocalDate, caller: MentorOrAdmin, uow: Uow
) -> None:
    await catalog.delete_override(uow, caller, provider_id, day)


@management.post(
    "/providers/{provider_id}/offerings",
    status_code=status.HTTP_201_CREATED,
    responses=problems(*_OWNED),
)
async def create_offering(
    provider_id: uuid.UUID, body: OfferingIn, caller: MentorOrAdmin, uow: Uow
) -> OfferingOut:
    made = await catalog.create_offering(uow, caller, provider_id, body.fields())
    return OfferingOut.of(made, owner=True)


@management.patch("/offerings/{offering_id}", responses=problems(*_OWNED))
async def update_offering(
    offering_id: uuid.UUID, body: OfferingPatch, caller: MentorOrAdmin, uow: Uow
) -> OfferingOut:
    changed = await catalog.update_offering(uow, caller, offering_id, body.fields())
    return OfferingOut.of(changed, owner=True)
