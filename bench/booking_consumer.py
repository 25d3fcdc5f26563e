"""Booking scenario "consumer": N PaymentVerified (card, each for a hold placed with booking's
own ``place_hold``) over S slots pre-loaded on kairos.payments.payments, then ONE
``python -m kairos_booking consumer`` and its decisions counted (payment_decisions rows,
committed in the handler's transaction with the booking and its outbox row). Then the
in-process probes (``booking_probes``) on copies of the same database. ``--py-spy`` also
samples the consumer process while it is busy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from benchlib import Stack, plain, report_path, table, wait_for_log, wait_until
from booking_data import (
    READY,
    Payer,
    Progress,
    any_decision,
    batch_records,
    count,
    fresh_topics,
    make_offering,
    place_holds,
    process_setting,
    produce,
    service_for,
    slot_starts,
    start_consumer,
    verified,
    watch_decisions,
)
from booking_probes import consumer_probes, probes_section
from profiling import Profiler, profiles_section

from kairos_booking.bootstrap import bootstrap
from kairos_contracts import Envelope
from kairos_localstack.stack import TOPIC_PARTITIONS

OFFERINGS = 10
PY_SPY_SECONDS = 8


async def consumer_template(
    stack: Stack, migrations: Path, events: int, slots: int
) -> tuple[str, list[Payer], float]:
    """A database with S slots over 10 offerings holding N live holds (the template every
    run and probe is cloned from); returns its URL, the payers and holds/s achieved."""
    db = await stack.migrated_database("bench_consumer_tpl", migrations)
    service = service_for(db)
    per_slot = -(-events // slots)
    plan: list[tuple[uuid.UUID, datetime]] = []
    for n in range(OFFERINGS):
        offering_id = await make_offering(service, per_slot, n)
        starts = (await slot_starts(service, offering_id, 62))[: slots // OFFERINGS]
        plan += [(offering_id, s) for s in starts for _ in range(per_slot)]
    plan = plan[:events]
    random.Random(7).shuffle(plan)
    started = time.perf_counter()
    payers = await place_holds(service, plan)
    rate = len(payers) / (time.perf_counter() - started)
    await service.engine.dispose()
    return db, payers, rate


async def consumer_run(
    stack: Stack, template: str, envelopes: list[Envelope], tmp: Path, run: int, spy: Path | None
) -> dict[str, Any]:
    """One consumer process over the pre-loaded topic, on a fresh copy of the template and
    a fresh broker; ``spy``: where py-spy's files go (the report's folder), or None."""
    db = await stack.clone(template, "bench_consumer")
    await fresh_topics(stack)
    produce_s = await produce(stack.kafka.bootstrap, envelopes)
    log = tmp / f"consumer-{run}.log"
    proc = start_consumer(stack, db, log)
    profiler: Profiler | None = None
    try:
        ready = await wait_for_log(log, READY, proc, 60)
        load_at_go = os.getloadavg()[0]
        total = len(envelopes)
        watch = asyncio.create_task(watch_decisions(db, total, timeout=max(120, total / 50)))
        if spy is not None:
            await wait_until(lambda: any_decision(db), 60, "first decision")
            profiler = Profiler({"booking-consumer": proc.pid}, spy, rate_hz=200)
            profiler.start(PY_SPY_SECONDS - 1)  # py-spy records a second more than asked
        progress = await watch
        progress.ready = ready
        profiles = profiler.finish() if profiler is not None else {}
    finally:
        stack.stop_process(proc)
    result = await run_figures(db, progress, total, run)
    result |= {"produce_s": produce_s, "load": (load_at_go, os.getloadavg()[0])}
    result |= {"profiler": profiler, "profiles": profiles}
    print_run(result, total)
    return result


async def run_figures(db: str, progress: Progress, total: int, run: int) -> dict[str, Any]:
    """Events/s over the whole run, its middle 80%, from process ready, and from the
    decisions' own timestamps."""
    decided = progress.samples[-1][1]
    conn = await asyncpg.connect(plain(db))
    try:
        sql = "SELECT min(created_at), max(created_at) FROM payment_decisions"
        lo, hi = await conn.fetchrow(sql)
    finally:
        await conn.close()
    t_first, t_last = progress.first(), progress.last(total)
    mid_a, mid_b = (t_first, t_last)
    if decided >= total:
        mid_a, mid_b = progress.at(total // 10), progress.at(total * 9 // 10)
    return {
        "run": run,
        "decided": decided,
        "bookings": await count(db, "SELECT count(*) FROM bookings WHERE status = 'confirmed'"),
        "confirmed_events": await count(
            db, "SELECT count(*) FROM outbox WHERE event_type = 'BookingConfirmed'"
        ),
        "join_s": t_first - progress.ready,
        "ready_to_last": decided / (t_last - progress.ready),
        "first_to_last": decided / max(t_last - t_first, 1e-9),
        "middle_80": (total * 8 // 10) / max(mid_b - mid_a, 1e-9),
        "db_span": decided / max((hi - lo).total_seconds(), 1e-9),
    }


def print_run(r: dict[str, Any], total: int) -> None:
    print(
        f"consumer run {r['run']}: {r['decided']}/{total} decided, {r['bookings']} bookings, "
        f"{r['confirmed_events']} BookingConfirmed; {r['first_to_last']:.0f} events/s first->last "
        f"decision ({r['middle_80']:.0f}/s over the middle 80%, {r['ready_to_last']:.0f}/s from "
        f"process ready incl. {r['join_s']:.1f}s group join); load average "
        f"{r['load'][0]:.2f} at go, {r['load'][1]:.2f} at the end"
    )


async def scenario_consumer(stack: Stack, args: argparse.Namespace, tmp: Path) -> str:
    migrations = bootstrap().migrations
    t0 = time.perf_counter()
    template, payers, hold_rate = await consumer_template(
        stack, migrations, args.events, args.slots
    )
    print(
        f"consumer: {len(payers)} holds placed through place_hold in "
        f"{time.perf_counter() - t0:.0f}s ({hold_rate:.0f} holds/s)"
    )
    envelopes = [verified(p) for p in payers]
    spy = report_path(Path(args.reports), "booking-consumer") if args.py_spy else None
    runs = [
        await consumer_run(stack, template, envelopes, tmp, run, spy if run == 1 else None)
        for run in range(1, args.runs + 1)
    ]
    probes = []
    if args.probe_events:
        probes = await consumer_probes(stack, template, envelopes[: args.probe_events])
    return consumer_section(args, runs, probes, hold_rate)


def consumer_section(
    args: argparse.Namespace,
    runs: list[dict[str, Any]],
    probes: list[dict[str, Any]],
    hold_rate: float,
) -> str:
    out = [
        f"## 1. Consumer peak: {args.events} pre-loaded PaymentVerified over {args.slots} slots\n",
        _setting(hold_rate),
        _runs_table(args, runs),
    ]
    if probes:
        out += probes_section(probes)
    spied = next((r for r in runs if r["profiler"] is not None), None)
    if spied is not None:
        out.append(profiles_section(spied["profiler"], spied["profiles"]))
    return "\n".join(out)


def _setting(hold_rate: float) -> str:
    return (
        "One `python -m kairos_booking consumer` (the real path: runs of PaymentVerified through "
        f"booking's batch handler, the rest per record; batch {batch_records()} records, "
        f"fetch wait {process_setting('CONSUMER_FETCH_MAX_WAIT_MS')} ms, "
        f"{TOPIC_PARTITIONS} partitions). Holds placed beforehand with `place_hold` "
        f"({hold_rate:.0f} holds/s with 8 concurrent), {OFFERINGS} offerings, every event a card "
        "payment for a live hold, so every one is confirmed. Settled = a `payment_decisions` row "
        "(same transaction as booking + outbox). Each run works on a fresh copy of the same "
        "database and a fresh broker. **Target: >= 2,000/s.**\n"
    )


def _runs_table(args: argparse.Namespace, runs: list[dict[str, Any]]) -> str:
    rows = [
        (
            r["run"],
            f"{r['decided']}/{args.events}",
            r["bookings"],
            f"**{r['first_to_last']:.0f}**",
            f"{r['middle_80']:.0f}",
            f"{r['db_span']:.0f}",
            f"{r['ready_to_last']:.0f} (join {r['join_s']:.1f} s)",
            f"{r['produce_s']:.1f} s",
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f}",
        )
        for r in runs
    ]
    header: tuple[str, ...] = (
        "run",
        "decided",
        "bookings",
        "events/s first->last decision",
        "middle 80%",
    )
    header += ("from DB timestamps", "from process ready", "pre-load publish")
    return table((*header, "load avg go / end"), rows)
