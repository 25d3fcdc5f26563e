"""Jobs the calendar-sync consumer process runs next to its subscriber (``Service.jobs``).

Replicas may all run them: each claims its rows (entries, mails, connections to
reconcile) with ``FOR UPDATE SKIP LOCKED`` and a lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import cast

from kairos_calendar_sync.service_layer.context import Context
from kairos_calendar_sync.service_layer.mail import Mailer, send_once
from kairos_calendar_sync.service_layer.reconcile import reconcile_once
from kairos_calendar_sync.service_layer.sync import sync_once
from kairos_calendar_sync.settings import CalendarSettings
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


def _ctx(service: Service) -> Context:
    return cast(Context, service.extras["context"])


async def run_sync_worker(service: Service, stop: asyncio.Event) -> None:
    settings = cast(CalendarSettings, service.settings)
    ctx = _ctx(service)
    await _loop(stop, lambda: sync_once(ctx), settings.sync_poll_interval_s)


async def run_mail_job(service: Service, stop: asyncio.Event) -> None:
    settings = cast(CalendarSettings, service.settings)
    ctx, mailer = _ctx(service), cast(Mailer, service.extras["mailer"])
    await _loop(stop, lambda: send_once(ctx, mailer), settings.sync_poll_interval_s)


async def run_reconciliation(service: Service, stop: asyncio.Event) -> None:
    settings = cast(CalendarSettings, service.settings)
    ctx = _ctx(service)

    async def step() -> int:
        await reconcile_once(ctx, interval_s=settings.reconcile_interval_s)
        return 0  # at most one pass per wake-up; due connections are spread by reconcile_at

    await _loop(stop, step, min(30.0, settings.reconcile_interval_s))
