"""The composition root. Tests call ``bootstrap(settings=..., engine=..., mailer=...,
clock=...)`` to swap parts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_attendance import SERVICE
from kairos_attendance.adapters import orm
from kairos_attendance.adapters.smtp import outgoing
from kairos_attendance.entrypoints import http
from kairos_attendance.entrypoints.jobs import run_mail_job, run_sweep
from kairos_attendance.service_layer.context import Context, Mailer
from kairos_attendance.service_layer.handlers import event_handlers
from kairos_attendance.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_attendance.settings import AttendanceSettings
from kairos_platform.clock import Clock, offset_clock, system_clock
from kairos_platform.mail import SmtpMailer
from kairos_platform.service import Service, assemble
from kairos_platform.settings import ServiceSettings


def bootstrap(
    settings: ServiceSettings | None = None,
    engine: AsyncEngine | None = None,
    mailer: Mailer | None = None,
    clock: Clock = system_clock,
) -> Service[ServiceUnitOfWork]:
    conf = AttendanceSettings.from_service_settings(settings, service=SERVICE)
    context = Context(
        settings=conf,
        mailer=mailer or SmtpMailer.of(conf, outgoing),
    )
    return assemble(
        name=SERVICE,
        settings=conf,
        engine=engine,
        metadata=orm.metadata,
        tables=orm.messaging,
        uow_class=ServiceUnitOfWork,
        handlers=event_handlers(),
        routers=http.ROUTERS,
        migrations=Path(__file__).parent / "migrations",
        # the consumer process sweeps absences and sends mails (SKIP LOCKED: any replicas)
        jobs=[run_sweep, run_mail_job],
        context=context,
        # ATTENDANCE_CLOCK_OFFSET_S moves "now" ahead (demos, the end-to-end suite)
        clock=offset_clock(clock, conf.clock_offset_s),
    )
