"""What calendar-sync's routes declare they need (``Annotated`` FastAPI dependencies): an
open unit of work, the typed settings and the service's context (``Service.context``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, TypeVar, cast

from fastapi import Depends
from pydantic import TypeAdapter, ValidationError

from kairos_calendar_sync.service_layer.context import Context, context_of
from kairos_calendar_sync.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_calendar_sync.settings import CalendarSettings
from kairos_platform.deps import ServiceDep
from kairos_platform.pagination import PageRequest
from kairos_platform.refusals import Invalid


async def _uow(service: ServiceDep) -> AsyncIterator[ServiceUnitOfWork]:
    async with service.uow_factory() as uow:
        yield uow  # rolled back unless the route committed


def _settings(service: ServiceDep) -> CalendarSettings:
    return cast(CalendarSettings, service.settings)


def _context(service: ServiceDep) -> Context:
    return context_of(service)


K = TypeVar("K")

Uow = Annotated[ServiceUnitOfWork, Depends(_uow)]
Settings = Annotated[CalendarSettings, Depends(_settings)]
Ctx = Annotated[Context, Depends(_context)]


def cursor_key(page: PageRequest, shape: TypeAdapter[K]) -> K | None:
    """The sort key ``page``'s cursor holds, read as ``shape`` (a tuple); 422 for a cursor
    of another list (another shape)."""
    if page.after is None:
        return None
    try:
        return shape.validate_python(tuple(page.after))
    except ValidationError as exc:
        raise Invalid("`cursor` is not one this list gave out.", slug="bad-cursor") from exc
