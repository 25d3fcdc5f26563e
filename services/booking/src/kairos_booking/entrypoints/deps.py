"""What booking's routes reach: an open unit of work, booking's settings and its context
(the live feed and the stream tokens)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends

from kairos_booking.service_layer.context import Context, context_of
from kairos_booking.service_layer.ports import BookingUow
from kairos_booking.settings import BookingSettings
from kairos_platform.deps import ServiceDep


async def _uow(service: ServiceDep) -> AsyncIterator[BookingUow]:
    """One unit of work per request, rolled back unless the route committed: a refused
    request leaves nothing written."""
    async with service.uow_factory() as uow:
        yield uow  # a ServiceUnitOfWork: BookingUow is the part the handlers use


def _settings(service: ServiceDep) -> BookingSettings:
    return context_of(service).settings


def _context(service: ServiceDep) -> Context:
    return context_of(service)


Uow = Annotated[BookingUow, Depends(_uow)]
Settings = Annotated[BookingSettings, Depends(_settings)]
Ctx = Annotated[Context, Depends(_context)]
