"""The one loop every scheduled job runs (``Service.jobs``, in the consumer process).

A job is a *step* run over and over until ``stop`` is set: back to back while it finds work,
else every ``idle_s``. A step that fails is logged and tried again after ``idle_s``: a job
never dies of one bad pass. Steps claim their work with ``FOR UPDATE SKIP LOCKED``, so
every replica may run the same job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

#: one pass of a job: how much work it found (0: none, wait before the next pass)
Step = Callable[[], Awaitable[int]]


async def run_loop(stop: asyncio.Event, step: Step, idle_s: float, *, name: str) -> None:
    """Run ``step`` back to back while it finds work, else every ``idle_s``, until ``stop``."""
    while not stop.is_set():
        found = 0
        try:
            found = await step()
        except Exception:
            log.exception("%s failed; retrying", name)
        if found:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), idle_s)


def draining(step: Callable[[], Awaitable[object]]) -> Step:
    """A step that does all its work in one pass (drains it), then always waits ``idle_s``."""

    async def once() -> int:
        await step()
        return 0

    return once
