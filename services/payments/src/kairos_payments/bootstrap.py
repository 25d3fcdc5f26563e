"""The composition root. Tests call ``bootstrap(settings=..., engine=..., gateway=...)``
to swap parts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_payments import SERVICE
from kairos_payments.adapters import orm
from kairos_payments.adapters.stripe_gateway import SdkStripeGateway
from kairos_payments.entrypoints import http
from kairos_payments.entrypoints.jobs import run_reconciliation
from kairos_payments.service_layer.context import Context
from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.service_layer.handlers import event_handlers
from kairos_payments.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_payments.settings import PaymentsSettings
from kairos_platform.service import Service, assemble
from kairos_platform.settings import ServiceSettings


def bootstrap(
    settings: ServiceSettings | None = None,
    engine: AsyncEngine | None = None,
    gateway: StripeGateway | None = None,
) -> Service[ServiceUnitOfWork]:
    conf = PaymentsSettings.from_service_settings(settings, service=SERVICE)
    stripe = gateway or SdkStripeGateway(conf)  # no I/O until the first call
    return assemble(
        name=SERVICE,
        settings=conf,
        engine=engine,
        metadata=orm.metadata,
        tables=orm.messaging,
        uow_class=ServiceUnitOfWork,
        handlers=event_handlers(stripe),
        routers=http.ROUTERS,
        migrations=Path(__file__).parent / "migrations",
        jobs=[run_reconciliation],
        context=Context(gateway=stripe, settings=conf),
    )
