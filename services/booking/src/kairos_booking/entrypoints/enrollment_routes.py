"""A mentee's subscriptions (enrollments). They are created by paid cycles, never here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kairos_booking.entrypoints import views
from kairos_booking.entrypoints.errors import unit_of_work
from kairos_booking.service_layer.enrollments import my_enrollments
from kairos_platform.auth import MenteeOrAdmin


def enrollment_router(uow_factory: Any) -> APIRouter:
    router = APIRouter(tags=["enrollments"])

    @router.get("/me/enrollments")
    async def mine(caller: MenteeOrAdmin) -> list[dict[str, Any]]:
        async with unit_of_work(uow_factory) as uow:
            found = await my_enrollments(uow, caller)
        return [views.enrollment(e) for e in found]

    return router
