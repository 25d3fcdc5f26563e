"""The attendance service's HTTP routers (``Service.routers``). Routes translate a request
into one service-layer call and its result into a response model, nothing more: refusals
are answered as problem+json by the platform."""

from __future__ import annotations

from fastapi import APIRouter

from kairos_attendance.entrypoints import sessions_routes, subscribers_routes
from kairos_platform import dead_letters, ping

ROUTERS: list[APIRouter] = [
    sessions_routes.router,
    subscribers_routes.router,
    ping.router,
    dead_letters.router,
]
