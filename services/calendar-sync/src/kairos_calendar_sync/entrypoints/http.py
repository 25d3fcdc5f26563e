"""The calendar-sync service's HTTP routers (``Service.routers``). Routes translate a
request into one service-layer call and its result into a response model, nothing more:
refusals are answered as problem+json by the platform."""

from __future__ import annotations

from fastapi import APIRouter

from kairos_calendar_sync.entrypoints import (
    connections_routes,
    feeds_routes,
    preferences_routes,
)
from kairos_platform import dead_letters, ping

ROUTERS: list[APIRouter] = [
    ping.router,
    dead_letters.router,
    connections_routes.router,
    feeds_routes.router,
    preferences_routes.router,
]
