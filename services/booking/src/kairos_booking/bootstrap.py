"""The composition root. Tests call ``bootstrap(settings=..., engine=...)`` to swap parts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_booking import SERVICE
from kairos_booking.adapters import orm
from kairos_booking.entrypoints import http
from kairos_booking.entrypoints.jobs import hold_expiry_job
from kairos_booking.entrypoints.live_routes import live_hub, stream_tokens
from kairos_booking.service_layer.context import Context
from kairos_booking.service_layer.handlers import event_batch_handlers, event_handlers
from kairos_booking.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_booking.settings import BookingSettings
from kairos_platform.service import Service, assemble
from kairos_platform.settings import ServiceSettings


def bootstrap(
    settings: ServiceSettings | None = None,
    engine: AsyncEngine | None = None,
) -> Service[ServiceUnitOfWork]:
    booking = BookingSettings.from_service_settings(settings, service=SERVICE)
    return assemble(
        name=SERVICE,
        settings=booking,
        engine=engine,
        metadata=orm.metadata,
        tables=orm.messaging,
        uow_class=ServiceUnitOfWork,
        handlers=event_handlers(),
        # PaymentVerified runs: the common case set-based, the rest per record (above)
        batch_handlers=event_batch_handlers(),
        routers=http.ROUTERS,
        context=Context(settings=booking, live=live_hub(), stream_tokens=stream_tokens(booking)),
        migrations=Path(__file__).parent / "migrations",
        # the consumer process expires holds (one job per replica, SKIP LOCKED batches)
        jobs=[hold_expiry_job(booking)],
    )
