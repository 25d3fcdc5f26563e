"""What attendance's routes declare they need (``Annotated`` FastAPI dependencies): an open
unit of work, the typed settings and the service's context (``Service.context``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends

from kairos_attendance.service_layer.context import Context, context_of
from kairos_attendance.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_attendance.settings import AttendanceSettings
from kairos_platform.deps import ServiceDep


async def _uow(service: ServiceDep) -> AsyncIterator[ServiceUnitOfWork]:
    async with service.uow_factory() as uow:
        yield uow  # rolled back unless the route committed


def _settings(service: ServiceDep) -> AttendanceSettings:
    return context_of(service).settings


def _context(service: ServiceDep) -> Context:
    return context_of(service)


Uow = Annotated[ServiceUnitOfWork, Depends(_uow)]
Settings = Annotated[AttendanceSettings, Depends(_settings)]
Ctx = Annotated[Context, Depends(_context)]
