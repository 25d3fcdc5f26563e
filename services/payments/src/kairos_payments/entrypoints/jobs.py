"""Jobs the payments consumer process runs next to its subscriber (``Service.jobs``).

Replicas may all run them: reconciliation leases its cursor and every row it acts on.
"""

from __future__ import annotations

import asyncio
from typing import cast

from kairos_payments.service_layer import reconcile
from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.settings import PaymentsSettings
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
