"""Catalog routes: public reads (no token) and mentor/admin management."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from kairos_booking.domain.errors import NotFound
from kairos_booking.domain.model import DateOverride
from kairos_booking.entrypoints import views
from kairos_booking.entrypoints.errors import unit_of_work
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


def catalog_router(uow_factory: Any) -> APIRouter:
    router = APIRouter(tags=["catalog"])

    @router.get("/providers")
    async def providers() -> list[dict[str, Any]]:
        async with unit_of_work(uow_factory) as uow:
            return [views.provider(p) for p in await uow.catalog.list_providers()]

    @router.get("/providers/{provider_id}")
    async def get_provider(provider_id: uuid.UUID) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            found = await uow.catalog.get_provider(provider_id)
            if found is None:
                raise NotFound(f"No provider {provider_id}.")
            return views.provider(found)

    @router.get("/providers/{provider_id}/availability")
    async def get_availability(provider_id: uuid.UUID) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            if await uow.catalog.get_provider(provider_id) is None:
                raise NotFound(f"No provider {provider_id}.")
            return views.availability(await uow.catalog.availability(provider_id))

    @router.get("/offerings")
    async def offerings(provider_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
        async with unit_of_work(uow_factory) as uow:
            return [views.offering(o) for o in await uow.catalog.list_offerings(provider_id)]

    @router.get("/offerings/{offering_id}")
    async def get_offering(offering_id: uuid.UUID) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            found = await uow.catalog.get_offering(offering_id)
            if found is None:
                raise NotFound(f"No offering {offering_id}.")
            return views.offering(found)

    # The answer is plain JSON types already: rendered to bytes as is, skipping the
    # response-model pass that costs more than the query for hundreds of slots.
    @router.get("/offerings/{offering_id}/slots", response_model=dict[str, Any])
    async def slots(
        offering_id: uuid.UUID,
        first: Annotated[LocalDate, Query(alias="from")],
        last: Annotated[LocalDate, Query(alias="to")],
    ) -> Response:
        async with unit_of_work(uow_factory) as uow:
            offering, provider, found = await list_slots(uow, offering_id, first, last)
        zone = ZoneInfo(provider.time_zone)
        body = views.slots_json(str(offering.offering_id), provider.time_zone, found, zone)
        return Response(body, media_type="application/json")

    router.include_router(management_router(uow_factory))
    return router


def management_router(uow_factory: Any) -> APIRouter:
    router = APIRouter(tags=["catalog management"])

    @router.post("/providers", status_code=status.HTTP_201_CREATED)
    async def create_provider(body: ProviderIn, caller: MentorOrAdmin) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            made = await catalog.create_provider(uow, caller, **body.model_dump())
        return views.provider(made)

    @router.patch("/providers/{provider_id}")
    async def update_provider(
        provider_id: uuid.UUID, body: ProviderPatch, caller: MentorOrAdmin
    ) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)
        async with unit_of_work(uow_factory) as uow:
            changed = await catalog.update_provider(uow, caller, provider_id, changes)
        return views.provider(changed)

    @router.put("/providers/{provider_id}/availability", status_code=204)
    async def set_weekly(
        provider_id: uuid.UUID, body: WeeklyHoursIn, caller: MentorOrAdmin
    ) -> None:
        async with unit_of_work(uow_factory) as uow:
            await catalog.set_weekly_hours(uow, caller, provider_id, body.by_day())

    @router.put("/providers/{provider_id}/overrides/{day}", status_code=204)
    async def put_override(
        provider_id: uuid.UUID, day: LocalDate, body: OverrideIn, caller: MentorOrAdmin
    ) -> None:
        override = DateOverride(day, body.kind, tuple(r.minutes() for r in body.ranges))
        async with unit_of_work(uow_factory) as uow:
            await catalog.put_override(uow, caller, provider_id, override)

    @router.delete("/providers/{provider_id}/overrides/{day}", status_code=204)
    async def delete_override(
        provider_id: uuid.UUID, day: LocalDate, caller: MentorOrAdmin
    ) -> None:
        async with unit_of_work(uow_factory) as uow:
            await catalog.delete_override(uow, caller, provider_id, day)

    @router.post("/providers/{provider_id}/offerings", status_code=status.HTTP_201_CREATED)
    async def create_offering(
        provider_id: uuid.UUID, body: OfferingIn, caller: MentorOrAdmin
    ) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            made = await catalog.create_offering(uow, caller, provider_id, body.fields())
        return views.offering(made, owner=True)

    @router.patch("/offerings/{offering_id}")
    async def update_offering(
        offering_id: uuid.UUID, body: OfferingPatch, caller: MentorOrAdmin
    ) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            changed = await catalog.update_offering(uow, caller, offering_id, body.fields())
        return views.offering(changed, owner=True)

    return router
