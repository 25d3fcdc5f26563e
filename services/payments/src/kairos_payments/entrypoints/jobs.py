"""The payments consumer process: the platform's consumer plus the reconciliation job.

Replicas may all run it: the job leases its cursor and every row it acts on.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

from kairos_payments.service_layer import reconcile
from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.settings import PaymentsSettings
from kairos_platform.runtime import run_consumer
from kairos_platform.service import Service


async def run_reconciliation(service: Service, stop: asyncio.Event) -> None:
    settings = cast(PaymentsSettings, service.settings)
    await reconcile.run_forever(
        cast("reconcile.UowFactory", service.uow_factory),
        cast(StripeGateway, service.extras["gateway"]),
        stop,
        interval_s=settings.reconcile_interval_s,
        stale_after_s=settings.stale_after_s,
    )


async def run_consumer_with_jobs(service: Service, stop: asyncio.Event) -> None:
    job = asyncio.create_task(run_reconciliation(service, stop))
    try:
        await run_consumer(service, stop)
    finally:
        stop.set()
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
