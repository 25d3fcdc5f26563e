"""HTTP routes of the booking service. Routes only translate: parse, call a handler, shape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kairos_booking.entrypoints.booking_routes import booking_router
from kairos_booking.entrypoints.catalog_routes import catalog_router
from kairos_booking.entrypoints.enrollment_routes import enrollment_router
from kairos_booking.entrypoints.live_routes import live_router
from kairos_booking.settings import BookingSettings
from kairos_platform.ping import ping_router


def routers(uow_factory: Any, settings: BookingSettings | None = None) -> list[APIRouter]:
    settings = settings or BookingSettings()
    return [
        ping_router(uow_factory),
        catalog_router(uow_factory),
        booking_router(uow_factory, settings),
        enrollment_router(uow_factory),
        live_router(uow_factory),
    ]
