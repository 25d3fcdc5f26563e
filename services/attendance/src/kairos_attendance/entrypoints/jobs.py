"""Jobs the attendance consumer process runs next to its subscriber (``Service.jobs``).

Replicas may all run them: the sweep claims sessions and the mail job claims mails with
``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import cast

from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.mail import Mailer, send_once
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


def _ctx(service: Service) -> Context:
    return cast(Context, service.extras["context"])


async def run_sweep(service: Service, stop: asyncio.Event) -> None:
    ctx = _ctx(service)

    async def step() -> int:
        await sweep(ctx)  # drains every overdue batch, then waits the interval
        return 0

    await _loop(stop, step, ctx.settings.sweep_interval_s)


async def run_mail_job(service: Service, stop: asyncio.Event) -> None:
    ctx, mailer = _ctx(service), cast(Mailer, service.extras["mailer"])
    await _loop(stop, lambda: send_once(ctx, mailer), ctx.settings.mail_poll_interval_s)
