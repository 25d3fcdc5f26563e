"""Jobs the calendar-sync consumer process runs next to its subscriber (``Service.jobs``).

Replicas may all run them: each claims its rows (entries, mails, connections to
reconcile) with ``FOR UPDATE SKIP LOCKED`` and a lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from kairos_calendar_sync.service_layer.context import context_of
from kairos_calendar_sync.service_layer.mail import send_once
from kairos_calendar_sync.service_layer.reconcile import reconcile_once
from kairos_calendar_sync.service_layer.sync import sync_once
from kairos_platform.service import Service

log = logging.getLogger(__name__)


async def _loop(stop: asyncio.Event, step: Callable[[], Awaitable[int]], idle_s: float) -> None:
    """Run ``step`` back to back while it finds work, else every ``idle_s``."""
    while not stop.is_set():
        found = 0
        try:
            found = await step()
        except Exception:
            log.exception("calendar job step failed; retrying")
        if found:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), idle_s)


async def run_sync_worker(service: Service[Any], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    await _loop(
        stop, lambda: sync_once(service.uow_factory, ctx), ctx.settings.sync_poll_interval_s
    )


async def run_mail_job(service: Service[Any], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    await _loop(
        stop,
        lambda: send_once(service.uow_factory, ctx, ctx.mailer),
        ctx.settings.sync_poll_interval_s,
    )


async def run_reconciliation(service: Service[Any], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    interval_s = ctx.settings.reconcile_interval_s

    async def step() -> int:
        await reconcile_once(service.uow_factory, ctx, interval_s=interval_s)
        return 0  # at most one pass per wake-up; due connections are spread by reconcile_at

    await _loop(stop, step, min(30.0, interval_s))
