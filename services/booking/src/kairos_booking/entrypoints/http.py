"""HTTP routes of the booking service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kairos_platform.ping import ping_router


def routers(uow_factory: Any) -> list[APIRouter]:
    return [ping_router(uow_factory)]
