"""What attendance's routes declare they need (``Annotated`` FastAPI dependencies): an open
unit of work, the service's context (``Service.context``) and its typed settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.ports import AttendanceUow
from kairos_attendance.settings import AttendanceSettings
from kairos_platform.deps import context_as, open_uow

#: a ServiceUnitOfWork: AttendanceUow is the part the handlers use
Uow = Annotated[AttendanceUow, Depends(open_uow)]
Ctx = Annotated[Context, Depends(context_as(Context))]


async def _settings(context: Ctx) -> AttendanceSettings:
    return context.settings


Settings = Annotated[AttendanceSettings, Depends(_settings)]
