"""The absence sweep: sessions that ended more than the grace period ago with no mark are
absences (marked by the system).

One batch per transaction: claim-and-mark is one UPDATE over a SKIP LOCKED subselect, so
two replicas take disjoint sessions and a session is marked exactly once (a marked row no
longer matches). The rules, events and mails of the batch are written in the same
transaction, so a crash loses nothing and repeats nothing. One sweeper keeps
``SWEEP_CONCURRENCY`` batches in flight, which SKIP LOCKED keeps apart as it does replicas.
"""

from __future__ import annotations

import asyncio

from kairos_attendance.domain.sessions import Change
from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.marks import record
from kairos_attendance.service_layer.ports import UowFactory
from kairos_platform.heap import cyclic_gc_paused


async def sweep_batch(uow_factory: UowFactory, ctx: Context) -> int:
    """Mark one batch; returns how many sessions it marked (0: nothing overdue)."""
    with cyclic_gc_paused():
        return await _batch(uow_factory, ctx)


async def _batch(uow_factory: UowFactory, ctx: Context) -> int:
    async with uow_factory() as uow:
        now = uow.now()
        cutoff = now - ctx.settings.sweep_grace
        marked = await uow.sessions.mark_overdue_absent(cutoff, ctx.settings.sweep_batch_size, now)
        if not marked:
            return 0
        changes = [Change(s, None, False, "system", None, "sweep", now) for s in marked]
        await record(uow, changes, now, ctx.settings.app_url)
        await uow.commit()
    return len(marked)


async def sweep(uow_factory: UowFactory, ctx: Context) -> int:
    """Batches until nothing is overdue, ``SWEEP_CONCURRENCY`` of them in flight at once
    (disjoint, like replicas'); returns the total marked. A failing batch cancels the
    others (each rolls back) and the error propagates."""

    async def drain() -> int:
        total = 0
        while found := await sweep_batch(uow_factory, ctx):
            total += found
        return total

    tasks = [asyncio.create_task(drain()) for _ in range(ctx.settings.sweep_concurrency)]
    try:
        return sum(await asyncio.gather(*tasks))
    except BaseException:  # the first error as it is; the other batches roll back
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
