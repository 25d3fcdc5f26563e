"""What booking's routes reach: an open unit of work, booking's context (the live feed and
the stream tokens) and its settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kairos_booking.service_layer.context import Context
from kairos_booking.service_layer.ports import BookingUow
from kairos_booking.settings import BookingSettings
from kairos_platform.deps import context_as, open_uow

#: a ServiceUnitOfWork: BookingUow is the part the handlers use
Uow = Annotated[BookingUow, Depends(open_uow)]
Ctx = Annotated[Context, Depends(context_as(Context))]


async def _settings(context: Ctx) -> BookingSettings:
    return context.settings


Settings = Annotated[BookingSettings, Depends(_settings)]
