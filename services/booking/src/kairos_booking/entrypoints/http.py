"""HTTP routes of the booking service. Routes only translate: parse, call a handler, shape."""

from __future__ import annotations

from fastapi import APIRouter

from kairos_booking.entrypoints import (
    booking_routes,
    catalog_routes,
    enrollment_routes,
    live_routes,
)
from kairos_platform import dead_letters, ping

ROUTERS: list[APIRouter] = [
    ping.router,
    dead_letters.router,
    catalog_routes.router,
    catalog_routes.management,
    booking_routes.router,
    enrollment_routes.router,
    live_routes.router,
]
