"""The composition root. Tests call ``bootstrap(settings=..., engine=..., clients=...,
mailer=..., clock=...)`` to swap parts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_calendar_sync import SERVICE
from kairos_calendar_sync.adapters import orm
from kairos_calendar_sync.adapters.clients import client_factory
from kairos_calendar_sync.adapters.secrets import SecretBox, link_key
from kairos_calendar_sync.adapters.smtp import outgoing
from kairos_calendar_sync.domain.rules import RetryPolicy
from kairos_calendar_sync.entrypoints import http
from kairos_calendar_sync.entrypoints.jobs import (
    run_mail_job,
    run_reconciliation,
    run_reminder_job,
    run_sync_worker,
)
from kairos_calendar_sync.service_layer.calendars import ClientFactory
from kairos_calendar_sync.service_layer.compose import Composer
from kairos_calendar_sync.service_layer.context import Context, Mailer
from kairos_calendar_sync.service_layer.handlers import event_handlers
from kairos_calendar_sync.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_calendar_sync.settings import CalendarSettings
from kairos_platform.clock import Clock, movable_clock, system_clock
from kairos_platform.mail import SmtpMailer
from kairos_platform.service import Service, assemble
from kairos_platform.settings import ServiceSettings


def bootstrap(
    settings: ServiceSettings | None = None,
    engine: AsyncEngine | None = None,
    clients: ClientFactory | None = None,
    mailer: Mailer | None = None,
    clock: Clock = system_clock,
) -> Service[ServiceUnitOfWork]:
    conf = CalendarSettings.from_service_settings(settings, service=SERVICE)
    context = Context(
        settings=conf,
        clients=clients or client_factory(conf, clock),
        box=SecretBox(conf.calendar_secret_key),
        policy=RetryPolicy(
            conf.sync_backoff_base_s, conf.sync_backoff_max_s, conf.broken_after_failures
        ),
        mailer=mailer or SmtpMailer.of(conf, outgoing),
        composer=Composer(conf.public_url, link_key(conf.mail_link_key)),
    )
    return assemble(
        name=SERVICE,
        settings=conf,
        engine=engine,
        metadata=orm.metadata,
        tables=orm.messaging,
        uow_class=ServiceUnitOfWork,
        handlers=event_handlers(context.composer),
        routers=http.ROUTERS,
        migrations=Path(__file__).parent / "migrations",
        jobs=[run_sync_worker, run_mail_job, run_reconciliation, run_reminder_job],
        context=context,
        # CALENDAR_SYNC_CLOCK_OFFSET_S / _FILE move "now" ahead (demos, the end-to-end suite)
        clock=movable_clock(clock, conf.clock_offset_s, conf.clock_offset_file),
    )
