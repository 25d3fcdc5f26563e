"""Jobs the attendance consumer process runs next to its subscriber (``Service.jobs``), in
the platform's job loop (``kairos_platform.jobs``).

Replicas may all run them: the sweep claims sessions and the mail job claims mails with
``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio

from kairos_attendance.service_layer.context import context_of
from kairos_attendance.service_layer.sweep import sweep
from kairos_attendance.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_platform import mail
from kairos_platform.jobs import draining, run_loop
from kairos_platform.service import Service


async def run_sweep(service: Service[ServiceUnitOfWork], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    # each pass drains every overdue batch, then waits
    step = draining(lambda: sweep(service.uow_factory, ctx))
    await run_loop(stop, step, ctx.settings.sweep_interval_s, name="attendance sweep")


async def run_mail_job(service: Service[ServiceUnitOfWork], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    await mail.run_mail_job(stop, service.uow_factory, ctx.mailer, ctx.settings.mail_policy)
