"""The composition root. Tests call ``bootstrap(settings=..., engine=...)`` to swap parts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_attendance import SERVICE
from kairos_attendance.adapters import orm
from kairos_attendance.entrypoints import http
from kairos_attendance.service_layer.handlers import event_handlers
from kairos_attendance.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_platform.service import Service, assemble
from kairos_platform.settings import ServiceSettings


def bootstrap(
    settings: ServiceSettings | None = None, engine: AsyncEngine | None = None
) -> Service:
    return assemble(
        name=SERVICE,
        settings=settings,
        engine=engine,
        metadata=orm.metadata,
        tables=orm.messaging,
        uow_class=ServiceUnitOfWork,
        handlers=event_handlers(),
        routers=http.routers,
        migrations=Path(__file__).parent / "migrations",
    )
