"""Holds and bookings: mentees hold and pay; mentee, mentor or admin cancel and move."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from kairos_booking.domain.model import Person
from kairos_booking.entrypoints import views
from kairos_booking.entrypoints.errors import unit_of_work
from kairos_booking.entrypoints.schemas import (
    CancelIn,
    HoldIn,
    LocalDate,
    RescheduleIn,
)
from kairos_booking.service_layer import bookings, holds
from kairos_booking.settings import BookingSettings
from kairos_platform.auth import CurrentUser, MenteeOrAdmin, Principal


def mentee_of(caller: Principal) -> Person:
    """Who is booking, with the name and e-mail the token carries (when it does)."""
    return Person(caller.user_id, *caller.contact())


def booking_router(uow_factory: Any, settings: BookingSettings) -> APIRouter:
    router = APIRouter(tags=["bookings"])

    @router.post("/holds", status_code=status.HTTP_201_CREATED)
    async def place_hold(body: HoldIn, caller: MenteeOrAdmin) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            made = await holds.place_hold(
                uow, mentee_of(caller), body.offering_id, body.starts_at, settings.hold_ttl
            )
        return views.hold(made)

    @router.get("/holds/{hold_id}")
    async def get_hold(hold_id: uuid.UUID, caller: CurrentUser) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            return views.hold(await holds.get_own_hold(uow, caller, hold_id))

    @router.delete("/holds/{hold_id}", status_code=204)
    async def release_hold(hold_id: uuid.UUID, caller: CurrentUser) -> None:
        async with unit_of_work(uow_factory) as uow:
            await holds.release_hold(uow, caller, hold_id)

    @router.post("/bookings/{booking_id}/cancel")
    async def cancel(booking_id: uuid.UUID, body: CancelIn, caller: CurrentUser) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            done = await bookings.cancel_booking(uow, caller, booking_id, body.reason)
        return views.booking(done)

    @router.post("/bookings/{booking_id}/reschedule")
    async def reschedule(
        booking_id: uuid.UUID, body: RescheduleIn, caller: CurrentUser
    ) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            done = await bookings.reschedule_booking(uow, caller, booking_id, body.starts_at)
        return views.booking(done)

    @router.get("/me/bookings")
    async def my_bookings(
        caller: MenteeOrAdmin, when: Literal["upcoming", "past"] = "upcoming"
    ) -> list[dict[str, Any]]:
        async with unit_of_work(uow_factory) as uow:
            found = await bookings.my_bookings(uow, caller, upcoming=when == "upcoming")
        return [views.booking(b) for b in found]

    @router.get("/providers/{provider_id}/schedule")
    async def schedule(
        provider_id: uuid.UUID,
        caller: CurrentUser,
        first: Annotated[LocalDate, Query(alias="from")],
        last: Annotated[LocalDate, Query(alias="to")],
    ) -> dict[str, Any]:
        async with unit_of_work(uow_factory) as uow:
            provider, found = await bookings.provider_schedule(
                uow, caller, provider_id, first, last
            )
        return {
            "provider_id": str(provider.provider_id),
            "time_zone": provider.time_zone,
            "bookings": [views.booking(b) for b in found],
        }

    return router
