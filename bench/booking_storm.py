"""Booking scenario "storm": P payers for one slot of capacity C arrive at once on the topic
while one consumer process runs: C/2 with a live hold, 5% with an unknown hold, the rest
with a hold they placed and released (they paid while the slot filled). Time until every
payment is decided; checks 0 oversold and exactly one decision and one outgoing event per
payment. Then the same crowd in process, on copies of one database.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from benchlib import Stack, plain, table, wait_for_log, wait_until
from booking_data import (
    READY,
    Payer,
    any_decision,
    batch_records,
    bounded,
    count_statements,
    fresh_topics,
    make_offering,
    payment_id,
    place_holds,
    produce,
    records_of,
    service_for,
    slot_starts,
    start_consumer,
    verified,
    watch_decisions,
)

from kairos_booking.bootstrap import bootstrap
from kairos_booking.service_layer.holds import release_hold
from kairos_platform.auth import Principal
from kairos_platform.messaging.consumer import Record
from kairos_platform.runtime import build_dispatcher
from kairos_platform.service import Service


async def storm_setup(
    service: Service, payers: int, capacity: int
) -> tuple[uuid.UUID, datetime, list[Payer]]:
    offering_id = await make_offering(service, capacity)
    starts_at = (await slot_starts(service, offering_id, 7))[30]
    live_n = capacity // 2
    unknown_n = payers // 20
    released_n = payers - live_n - unknown_n
    live = await place_holds(service, [(offering_id, starts_at)] * live_n, concurrency=1)

    async def place_and_release(_: int) -> Payer:
        (payer,) = await place_holds(service, [(offering_id, starts_at)], concurrency=1)
        mentee = Principal(payer.mentee_id, frozenset({"mentee"}))
        async with service.uow_factory() as uow:
            await release_hold(uow, mentee, payer.hold_id)
        return payer

    released = await bounded(range(released_n), place_and_release, 4)
    unknown = [Payer(uuid.uuid4(), uuid.uuid4(), offering_id, starts_at) for _ in range(unknown_n)]
    everyone = live + released + unknown
    random.Random(11).shuffle(everyone)
    return offering_id, starts_at, everyone


_BOOKED = (
    "SELECT count(*) FROM bookings WHERE offering_id = $1 AND starts_at = $2 "
    "AND status = 'confirmed'"
)
_TAKEN = "SELECT taken FROM slot_seats WHERE offering_id = $1 AND starts_at = $2"
_OUTCOMES = (
    "SELECT outcome, count(*) FROM payment_decisions WHERE payment_id = ANY($1) GROUP BY outcome"
)
_EVENTS = (
    "SELECT event_type, payload->'data'->>'payment_id' AS p, payload->'data'->>'reason' AS reason "
    "FROM outbox WHERE event_type IN ('BookingConfirmed', 'BookingRejected')"
)


async def storm_check(
    db: str, offering_id: uuid.UUID, starts_at: datetime, paid: list[uuid.UUID]
) -> dict[str, Any]:
    conn = await asyncpg.connect(plain(db))
    try:
        booked = await conn.fetchval(_BOOKED, offering_id, starts_at)
        taken = await conn.fetchval(_TAKEN, offering_id, starts_at)
        outcomes = dict(await conn.fetch(_OUTCOMES, paid))
        events = await conn.fetch(_EVENTS)
    finally:
        await conn.close()
    wanted = {str(p) for p in paid}
    ours = [r for r in events if r["p"] in wanted]  # not the warm-up's
    per_payment = collections.Counter(r["p"] for r in ours)
    return {
        "booked": booked,
        "taken": taken,
        "outcomes": outcomes,
        "reasons": collections.Counter(r["reason"] for r in ours if r["reason"]),
        "one_event_each": all(per_payment.get(p) == 1 for p in wanted),
        "confirmed_events": sum(1 for r in ours if r["event_type"] == "BookingConfirmed"),
        "stray_events": len(events) - len(ours),
    }


async def storm_run(stack: Stack, args: argparse.Namespace, tmp: Path, run: int) -> dict[str, Any]:
    db = await stack.migrated_database("bench_storm", bootstrap().migrations)
    service = service_for(db)
    started = time.perf_counter()
    offering_id, starts_at, payers = await storm_setup(service, args.payers, args.capacity)
    setup_s = time.perf_counter() - started
    await service.engine.dispose()
    await fresh_topics(stack)
    log = tmp / f"storm-consumer-{run}.log"
    proc = start_consumer(stack, db, log)
    try:
        await wait_for_log(log, READY, proc, 60)
        await warm_up(stack, db)
        envelopes = [verified(p) for p in payers]
        paid = [payment_id(e) for e in envelopes]
        load_at_go = os.getloadavg()[0]
        t0 = time.time()
        where = "WHERE payment_id = ANY($1)"
        watch = asyncio.create_task(watch_decisions(db, len(paid), 60, where, (paid,)))
        publish_s = await produce(stack.kafka.bootstrap, envelopes)
        progress = await watch
    finally:
        stack.stop_process(proc)
    check = await storm_check(db, offering_id, starts_at, paid)
    result = {
        "run": run,
        "setup_s": setup_s,
        "publish_s": publish_s,
        "settled": progress.samples[-1][1],
        "seconds": progress.last(len(paid)) - t0,
        "first_s": progress.first() - t0,
        "load": (load_at_go, os.getloadavg()[0]),
        **check,
    }
    print_run(result, len(paid))
    return result


async def warm_up(stack: Stack, db: str) -> None:
    """One payment for an unknown offering: once it is decided, the group is joined."""
    warm = Payer(uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    await produce(stack.kafka.bootstrap, [verified(warm)])
    await wait_until(lambda: any_decision(db), 60, "warm-up decision")


def print_run(r: dict[str, Any], total: int) -> None:
    print(
        f"storm run {r['run']}: {r['settled']}/{total} decided {r['seconds']:.2f}s after the "
        f"first send (publishing took {r['publish_s']:.2f}s); bookings {r['booked']} (seats "
        f"taken {r['taken']}), outcomes {r['outcomes']}, reasons {dict(r['reasons'])}, one event "
        f"per payment: {r['one_event_each']}; load average {r['load'][0]:.2f} at go"
    )


InProcess = Callable[[Any, list[Record]], Awaitable[None]]


def in_process_ways(k: int) -> list[tuple[str, InProcess]]:
    """Every payment handled at once (``asyncio.gather`` over ``Dispatcher.handle``:
    transactions really race on the seat row), then as the consumer process takes them
    (``Dispatcher.handle_batch`` over batches of K, booking's batch handler)."""

    async def gathered(dispatcher: Any, records: list[Record]) -> None:
        await asyncio.gather(*(dispatcher.handle(r) for r in records))

    async def batched(dispatcher: Any, records: list[Record]) -> None:
        for i in range(0, len(records), k):
            await dispatcher.handle_batch(records[i : i + k])

    return [
        ("every payment at once (asyncio.gather over Dispatcher.handle)", gathered),
        (f"Dispatcher.handle_batch, {k} per batch (as the process)", batched),
    ]


async def storm_in_process(stack: Stack, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The same crowd in process, each way on its own copy of one database."""
    template = await stack.migrated_database("bench_storm_tpl", bootstrap().migrations)
    service = service_for(template)
    offering_id, starts_at, payers = await storm_setup(service, args.payers, args.capacity)
    await service.engine.dispose()
    envelopes = [verified(p) for p in payers]
    paid = [payment_id(e) for e in envelopes]
    results = []
    for name, runner in in_process_ways(batch_records()):
        db = await stack.clone(template, "bench_storm_probe")
        service = service_for(db)
        dispatcher = build_dispatcher(service)
        statements = count_statements(service.engine)
        started = time.perf_counter()
        await asyncio.wait_for(runner(dispatcher, records_of(envelopes)), 120)
        seconds = time.perf_counter() - started
        await service.engine.dispose()
        check = await storm_check(db, offering_id, starts_at, paid)
        per = {kind: v / len(envelopes) for kind, v in statements.most_common()}
        print(
            f"storm in-process, {name}: {seconds:.2f}s, bookings {check['booked']}, "
            f"outcomes {check['outcomes']}, SQL statements per payment {sum(per.values()):.2f} "
            f"({per})"
        )
        results.append({"name": name, "seconds": seconds, "statements": per, **check})
    return results


async def scenario_storm(stack: Stack, args: argparse.Namespace, tmp: Path) -> str:
    runs = [await storm_run(stack, args, tmp, run) for run in range(1, args.runs + 1)]
    in_process = await storm_in_process(stack, args)
    live = args.capacity // 2
    return "\n".join(
        [
            f"## 2. Last-seat storm: {args.payers} payers for one slot of capacity {args.capacity}\n",
            f"Payers: {live} with a live hold (placed with `place_hold`), {args.payers // 20} with "
            "an unknown hold, the rest with a hold they placed and released (`release_hold`), so "
            f"{args.capacity - live} seats are free and raced for. One consumer process, already "
            "joined (a warm-up event was decided); all payments published at once; clock from "
            "the first send to the last decision. **Target: <= 5 s, 0 oversold.**\n",
            _runs_table(args, runs),
            "\nThe same crowd in process, each on a copy of one database (pool 10+10 connections; "
            "SQL statements per payment through SQLAlchemy, BEGIN/COMMIT on top):\n",
            _in_process_table(in_process),
        ]
    )


def _joined(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def _runs_table(args: argparse.Namespace, runs: list[dict[str, Any]]) -> str:
    rows = [
        (
            r["run"],
            f"{r['settled']}/{args.payers}",
            f"**{r['seconds']:.2f} s**",
            f"{r['first_s']:.2f} s",
            f"{r['publish_s']:.2f} s",
            r["booked"],
            r["taken"],
            _joined(r["outcomes"]),
            _joined(r["reasons"]),
            f"{'yes' if r['one_event_each'] else 'NO'} ({r['confirmed_events']} BookingConfirmed)",
            "0" if r["booked"] <= args.capacity else f"**{r['booked'] - args.capacity}**",
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f}",
        )
        for r in runs
    ]
    header: tuple[str, ...] = ("run", "decided", "settled", "first decision", "publish", "bookings")
    header += ("seats taken", "decisions", "rejection reasons", "one event per payment")
    return table((*header, "oversold", "load avg go / end"), rows)


def _in_process_table(results: list[dict[str, Any]]) -> str:
    rows = [
        (
            g["name"],
            f"{g['seconds']:.2f} s",
            g["booked"],
            g["taken"],
            _joined(g["outcomes"]),
            "yes" if g["one_event_each"] else "NO",
            f"{sum(g['statements'].values()):.2f} "
            f"({', '.join(f'{k} {v:.2f}' for k, v in g['statements'].items())})",
        )
        for g in results
    ]
    header: tuple[str, ...] = (
        "how",
        "time",
        "bookings",
        "seats taken",
        "decisions",
        "one event per payment",
    )
    return table((*header, "SQL statements per payment"), rows)
