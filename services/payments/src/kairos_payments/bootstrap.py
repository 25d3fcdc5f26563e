"""The composition root: settings, engine, unit of work, handlers, routes.

Tests call ``bootstrap(settings=..., engine=...)`` to swap any part.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_payments import SERVICE
from kairos_payments.adapters import orm
from kairos_payments.entrypoints import http
from kairos_payments.service_layer.handlers import event_handlers
from kairos_platform.db import make_engine, make_session_factory
from kairos_platform.service import Service
from kairos_platform.settings import ServiceSettings
from kairos_platform.uow import UnitOfWork


def bootstrap(settings: ServiceSettings | None = None, engine: AsyncEngine | None = None) -> Service:
    settings = settings or ServiceSettings(SERVICE_NAME=SERVICE)
    engine = engine or make_engine(settings)
    sessions = make_session_factory(engine)

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(sessions, orm.messaging, source=SERVICE)

    handlers = event_handlers()
    return Service(
        name=SERVICE,
        settings=settings,
        engine=engine,
        metadata=orm.metadata,
        uow_factory=uow_factory,
        handlers=handlers,
        topics=sorted({cls.TOPIC for cls in handlers}),
        routers=http.routers(uow_factory),
        migrations=Path(__file__).parent / "migrations",
    )
