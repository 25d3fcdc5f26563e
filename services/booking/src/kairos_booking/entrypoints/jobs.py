"""Scheduled jobs; they run in the consumer process (``Service.jobs``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from kairos_booking.service_layer.holds import expire_due_holds
from kairos_booking.settings import BookingSettings
from kairos_platform.service import Job, Service

log = logging.getLogger(__name__)


def hold_expiry_job(settings: BookingSettings) -> Job:
    """Every interval, expire holds past ``expires_at`` in bounded batches until none is
    due. Replicas may all run it: each batch claims its holds with SKIP LOCKED."""

    async def run(service: Service, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await expire_until_done(service, settings.hold_expiry_batch)
            except Exception:
                log.exception("hold expiry pass failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.hold_expiry_interval_s)

    return run


async def expire_until_done(service: Service, batch: int) -> int:
    total = 0
    while True:
        async with service.uow_factory() as uow:
            done = await expire_due_holds(uow, batch)
        total += done
        if done < batch:
            return total
