"""Jobs the attendance consumer process runs next to its subscriber (``Service.jobs``).

Replicas may all run them: the sweep claims sessions and the mail job claims mails with
``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from kairos_attendance.service_layer.context import context_of
from kairos_attendance.service_layer.mail import send_once
from kairos_attendance.service_layer.sweep import sweep
from kairos_platform.service import Service

log = logging.getLogger(__name__)


async def _loop(stop: asyncio.Event, step: Callable[[], Awaitable[int]], idle_s: float) -> None:
    """Run ``step`` back to back while it finds work, else every ``idle_s``."""
    while not stop.is_set():
        found = 0
        try:
            found = await step()
        except Exception:
            log.exception("attendance job step failed; retrying")
        if found:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), idle_s)


async def run_sweep(service: Service[Any], stop: asyncio.Event) -> None:
    ctx = context_of(service)

    async def step() -> int:
        await sweep(service.uow_factory, ctx)  # drains every overdue batch, then waits
        return 0

    await _loop(stop, step, ctx.settings.sweep_interval_s)


async def run_mail_job(service: Service[Any], stop: asyncio.Event) -> None:
    ctx = context_of(service)
    await _loop(
        stop,
        lambda: send_once(service.uow_factory, ctx, ctx.mailer),
        ctx.settings.mail_poll_interval_s,
    )
