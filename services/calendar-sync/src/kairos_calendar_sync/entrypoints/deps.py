"""What calendar-sync's routes declare they need (``Annotated`` FastAPI dependencies): an
open unit of work, the service's context (``Service.context``) and its typed settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kairos_calendar_sync.service_layer.context import Context
from kairos_calendar_sync.service_layer.ports import CalendarUow
from kairos_calendar_sync.settings import CalendarSettings
from kairos_platform.deps import context_as, open_uow

#: CalendarUow is the part the routes and the service layer use
Uow = Annotated[CalendarUow, Depends(open_uow)]
Ctx = Annotated[Context, Depends(context_as(Context))]


async def _settings(context: Ctx) -> CalendarSettings:
    return context.settings


Settings = Annotated[CalendarSettings, Depends(_settings)]
