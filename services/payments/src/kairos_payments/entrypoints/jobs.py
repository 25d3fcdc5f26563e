"""Jobs the payments consumer process runs next to its subscriber (``Service.jobs``).

Replicas may all run them: reconciliation leases its cursor and every row it acts on.
"""

from __future__ import annotations

import asyncio
from typing import Any

from kairos_payments.service_layer import reconcile
from kairos_payments.service_layer.context import context_of
from kairos_platform.service import Service


async def run_reconciliation(service: Service[Any], stop: asyncio.Event) -> None:
    context = context_of(service)
    await reconcile.run_forever(
        service.uow_factory,
        context.gateway,
        stop,
        interval_s=context.settings.reconcile_interval_s,
        stale_after_s=context.settings.stale_after_s,
        service=service.name,
    )
