"""Booking scenario "slots": one offering with B confirmed bookings over its slots of the next
30 days, made through the real path (place_hold, then PaymentVerified through the consumer
process); then ``GET /offerings/{id}/slots`` for 30 days against ``python -m kairos_booking
http``, at concurrency 1 and at ``--concurrency``, and the route's steps timed in process.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import statistics
import subprocess
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from benchlib import Stack, cpu_seconds, percentile, table, wait_for_log, wait_until
from booking_data import (
    READY,
    ZONE,
    count,
    fresh_topics,
    make_offering,
    place_holds,
    produce,
    service_for,
    slot_starts,
    start_consumer,
    verified,
    watch_decisions,
)

from kairos_booking.bootstrap import bootstrap
from kairos_booking.domain import slots as domain
from kairos_booking.entrypoints import views
from kairos_localstack.ports import free_port

DAYS = 30
WARM_UP = 20


async def slots_setup(
    stack: Stack, args: argparse.Namespace, tmp: Path
) -> tuple[str, uuid.UUID, dict[str, Any]]:
    db = await stack.migrated_database("bench_slots", bootstrap().migrations)
    service = service_for(db)
    offering_id = await make_offering(service, args.capacity)
    starts = await slot_starts(service, offering_id, DAYS)
    plan = [(offering_id, starts[i % len(starts)]) for i in range(args.bookings)]
    started = time.perf_counter()
    payers = await place_holds(service, plan)
    holds_s = time.perf_counter() - started
    await service.engine.dispose()
    await fresh_topics(stack)
    await produce(stack.kafka.bootstrap, [verified(p) for p in payers])
    log = tmp / "slots-consumer.log"
    proc = start_consumer(stack, db, log)
    try:
        ready = await wait_for_log(log, READY, proc, 60)
        progress = await watch_decisions(db, len(payers), timeout=max(120, len(payers) / 50))
    finally:
        stack.stop_process(proc)
    booked = await count(db, "SELECT count(*) FROM bookings WHERE status = 'confirmed'")
    info = {
        "slots": len(starts),
        "booked": booked,
        "holds_s": holds_s,
        "consume_rate": progress.samples[-1][1]
        / max(progress.last(len(payers)) - progress.first(), 1e-9),
        "join_s": progress.first() - ready,
    }
    print(
        f"slots setup: {len(starts)} slots in {DAYS} days, {booked} confirmed bookings "
        f"(holds {holds_s:.0f}s; consumer {info['consume_rate']:.0f} events/s)"
    )
    return db, offering_id, info


async def wait_http(base: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    async def live() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"http process exited ({proc.returncode})")
        with contextlib.suppress(httpx.HTTPError):
            async with httpx.AsyncClient(timeout=1) as c:
                return (await c.get(f"{base}/health/live")).status_code == 200
        return False

    await wait_until(live, timeout, "http process live", every=0.1)


async def query_load(
    base: str, path: str, params: dict[str, str], requests: int, concurrency: int
) -> tuple[list[float], int, int]:
    """Latencies of ``requests`` GETs from ``concurrency`` callers. Only the first answer is
    parsed (its slot count); the others must be 200 with the same length, so that the load
    generator spends as little as it can of the CPU the server needs (client CPU per
    request is in the report)."""
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        for _ in range(WARM_UP):
            first = await client.get(path, params=params)
        size, length = len(first.json()["slots"]), len(first.content)
        queue = iter(range(requests))

        async def worker() -> None:
            nonlocal errors
            for _ in queue:
                t = time.perf_counter()
                got = await client.get(path, params=params)
                latencies.append((time.perf_counter() - t) * 1000)
                if got.status_code != 200 or len(got.content) != length:
                    errors += 1

        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), 600)
    return latencies, errors, size


def server_cpu_s(pid: int) -> float:
    """CPU seconds of the HTTP process and its uvicorn workers so far."""
    return cpu_seconds({"server": pid}).get("server", 0.0)


async def slot_query_parts(
    db: str, offering_id: uuid.UUID, first: date, last: date, n: int = 100
) -> dict[str, float]:
    """Median ms of each part of the slots route in-process: the SQL reads and the Python."""
    service = service_for(db)
    parts: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(n):
        async with service.uow_factory() as uow:
            t = time.perf_counter()
            offering, provider, hours = await uow.catalog.offering_with_hours(
                offering_id, first, last
            )
            assert offering is not None and provider is not None
            t1 = time.perf_counter()
            zone = ZoneInfo(provider.time_zone)
            now = uow.now()
            start = datetime.combine(first, datetime.min.time(), zone) - timedelta(days=1)
            end = datetime.combine(last, datetime.min.time(), zone) + timedelta(days=2)
            occupied = await uow.seats.occupied(provider.provider_id, start, end, now)
            t2 = time.perf_counter()
            found = domain.bookable_slots(offering, hours, zone, first, last, now, occupied)
            t3 = time.perf_counter()
            views.slots_json(str(offering_id), provider.time_zone, found, zone)
            t4 = time.perf_counter()
        for name, a, b in (
            ("offering, provider and hours (1st statement: pool checkout, BEGIN)", t, t1),
            (f"occupied seats (driver fetch, {len(occupied)} rows -> Occupied)", t1, t2),
            (f"bookable_slots() Python ({len(found)} slots x {len(occupied)} occupied)", t2, t3),
            ("views.slots_json (cached pieces)", t3, t4),
        ):
            parts[name].append((b - a) * 1000)
    await service.engine.dispose()
    return {k: statistics.median(v) for k, v in parts.items()}


async def slots_runs(
    stack: Stack, args: argparse.Namespace, tmp: Path, db: str, path: str, params: dict[str, str]
) -> list[dict[str, Any]]:
    """Each run: a fresh HTTP process, then the load at concurrency 1 and at --concurrency."""
    runs = []
    for run in range(1, args.runs + 1):
        port = free_port()
        proc = stack.service_process(
            "kairos_booking",
            "http",
            db,
            tmp / f"http-{run}.log",
            HTTP_PORT=str(port),
            HTTP_WORKERS=str(args.http_workers),
        )
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_http(base, proc, 60)
            for concurrency in sorted({1, args.concurrency}):
                r = await one_level(base, path, params, args.requests, concurrency, proc.pid)
                runs.append({"run": run, **r})
                print_level(r, run)
        finally:
            stack.stop_process(proc)
    return runs


async def one_level(
    base: str, path: str, params: dict[str, str], requests: int, concurrency: int, pid: int
) -> dict[str, Any]:
    """The load at one concurrency: latency percentiles, and CPU per request of the server
    (the process and its workers, from /proc) and of this load generator."""
    load = os.getloadavg()[0]
    started, client, server = time.perf_counter(), time.process_time(), server_cpu_s(pid)
    lat, errors, size = await query_load(base, path, params, requests, concurrency)
    wall = time.perf_counter() - started
    return {
        "c": concurrency,
        "n": len(lat),
        "errors": errors,
        "slots": size,
        "rps": len(lat) / wall,
        **{f"p{p}": percentile(lat, p) for p in (50, 95, 99)},
        "max": max(lat),
        "server_ms": (server_cpu_s(pid) - server) * 1000 / len(lat),
        "client_ms": (time.process_time() - client) * 1000 / len(lat),
        "load": f"{load:.1f}-{os.getloadavg()[0]:.1f}",
    }


def print_level(r: dict[str, Any], run: int) -> None:
    print(
        f"slots run {run}, concurrency {r['c']}: {r['n']} requests ({r['errors']} errors, "
        f"{r['slots']} slots each), {r['rps']:.0f} req/s; p50 {r['p50']:.1f} ms, p95 "
        f"{r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, max {r['max']:.1f} ms; CPU per request "
        f"server {r['server_ms']:.1f} ms, client {r['client_ms']:.1f} ms; load {r['load']}"
    )


async def scenario_slots(stack: Stack, args: argparse.Namespace, tmp: Path) -> str:
    db, offering_id, info = await slots_setup(stack, args, tmp)
    first = date.today() + timedelta(days=1)
    last = first + timedelta(days=DAYS - 1)
    params = {"from": str(first), "to": str(last)}
    path = f"/offerings/{offering_id}/slots"
    runs = await slots_runs(stack, args, tmp, db, path, params)
    parts = await slot_query_parts(db, offering_id, first, last)
    for k, v in parts.items():
        print(f"  {k}: {v:.2f} ms (median in-process)")
    query = f"{path.replace(str(offering_id), '{id}')}?from={first}&to={last}"
    return "\n".join(
        [
            f"## 3. Slot query: {DAYS} days of an offering with {info['booked']} confirmed bookings\n",
            _setting(args, info, query),
            _runs_table(runs),
            "\nWhere the time goes (in-process, median of 100 calls of the route's steps):\n",
            table(("step", "median ms"), [(k, f"{v:.2f}") for k, v in parts.items()]),
        ]
    )


def _setting(args: argparse.Namespace, info: dict[str, Any], query: str) -> str:
    return (
        f"One offering (60 min, capacity {args.capacity}, open 24 h, {ZONE}), {info['slots']} "
        f"slots in the {DAYS} days, {info['booked']} bookings spread over them, made through the "
        f"real path: `place_hold` ({info['holds_s']:.0f} s), then PaymentVerified through one "
        f"consumer process ({info['consume_rate']:.0f} events/s). Then `GET {query}` against "
        f"`python -m kairos_booking http` (HTTP_WORKERS={args.http_workers}), {args.requests} "
        f"requests at concurrency 1 and at {args.concurrency}, httpx, after {WARM_UP} warm-up "
        "requests (the first answer parsed, the others checked by status and length). CPU per "
        "request from /proc (server: the process and its workers; client: this script). "
        "**Target: p99 <= 20 ms.**\n"
    )


def _runs_table(runs: list[dict[str, Any]]) -> str:
    rows = [
        (
            r["run"],
            r["c"],
            r["n"],
            r["errors"],
            r["slots"],
            f"{r['rps']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
            f"**{r['p99']:.1f}**",
            f"{r['max']:.1f}",
            f"{r['server_ms']:.1f}",
            f"{r['client_ms']:.1f}",
            r["load"],
        )
        for r in runs
    ]
    header: tuple[str, ...] = (
        "run",
        "concurrency",
        "requests",
        "errors",
        "slots returned",
        "req/s",
        "p50 ms",
    )
    header += ("p95 ms", "p99 ms", "max ms", "server CPU ms/req", "client CPU ms/req")
    return table((*header, "load avg"), rows)
