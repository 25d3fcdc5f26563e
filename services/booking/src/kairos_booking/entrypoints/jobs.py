"""Scheduled jobs; they run in the consumer process (``Service.jobs``), in the platform's
job loop (``kairos_platform.jobs``)."""

from __future__ import annotations

import asyncio

from kairos_booking.service_layer.holds import expire_due_holds
from kairos_booking.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_booking.settings import BookingSettings
from kairos_platform.jobs import draining, run_loop
from kairos_platform.service import Job, Service


def hold_expiry_job(settings: BookingSettings) -> Job:
    """Every interval, expire holds past ``expires_at`` in bounded batches until none is
    due. Replicas may all run it: each batch claims its holds with SKIP LOCKED."""

    async def run(service: Service[ServiceUnitOfWork], stop: asyncio.Event) -> None:
        step = draining(lambda: expire_until_done(service, settings.hold_expiry_batch))
        await run_loop(stop, step, settings.hold_expiry_interval_s, name="hold expiry")

    return run


async def expire_until_done(service: Service[ServiceUnitOfWork], batch: int) -> int:
    total = 0
    while True:
        async with service.uow_factory() as uow:
            done = await expire_due_holds(uow, batch)
        total += done
        if done < batch:
            return total
