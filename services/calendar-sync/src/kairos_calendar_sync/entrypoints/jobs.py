"""Jobs the calendar-sync consumer process runs next to its subscriber (``Service.jobs``), in
the platform's job loop (``kairos_platform.jobs``).

Replicas may all run them: each claims its rows (entries, mails, connections to
reconcile) with ``FOR UPDATE SKIP LOCKED`` and a lease.
"""

from __future__ import annotations

import asyncio
from functools import partial

from kairos_calendar_sync.service_layer.context import context_of
from kairos_calendar_sync.service_layer.reconcile import reconcile_once
from kairos_calendar_sync.service_layer.reminders import queue_due_reminders
from kairos_calendar_sync.service_layer.sync import sync_once
from kairos_calendar_sync.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_platform import mail
from kairos_platform.jobs import draining, run_loop
from kairos_platform.service import Service


async def run_sync_worker(service: Service[ServiceUnitOfWork], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    step = partial(sync_once, service.uow_factory, ctx)
    await run_loop(stop, step, ctx.settings.sync_poll_interval_s, name="calendar sync")


async def run_mail_job(service: Service[ServiceUnitOfWork], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    await mail.run_mail_job(stop, service.uow_factory, ctx.mailer, ctx.mail_policy)


async def run_reconciliation(service: Service[ServiceUnitOfWork], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    interval_s = ctx.settings.reconcile_interval_s
    # at most one pass per wake-up; due connections are spread by reconcile_at
    step = draining(lambda: reconcile_once(service.uow_factory, ctx, interval_s=interval_s))
    await run_loop(stop, step, min(30.0, interval_s), name="calendar reconciliation")


async def run_reminder_job(service: Service[ServiceUnitOfWork], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    conf = ctx.settings
    step = partial(queue_due_reminders, service.uow_factory, ctx.composer, conf.reminder_batch_size)
    await run_loop(stop, step, conf.reminder_poll_interval_s, name="reminders")
