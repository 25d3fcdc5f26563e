"""Relay benchmark: throughput draining a pre-loaded outbox, and outbox-to-consumer latency
at a fixed rate. Uses the booking service's real database schema, its real relay process
(`python -m kairos_booking relay`) and the real broker; prints figures and writes a report.

    uv run python bench/relay_bench.py [--preload 20000] [--rate 500] [--seconds 20]

PostgreSQL and the broker come from DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set,
else private ones are started (and stopped) in a temp folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from benchlib import (
    ROOT,
    Stack,
    async_url,
    machine_header,
    percentile,
    report_path,
    table,
    terminate_on_sigterm,
    wait_for_log,
)
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from kairos_booking.adapters.orm import messaging
from kairos_booking.bootstrap import bootstrap
from kairos_contracts import Envelope
from kairos_contracts.events.system import Ping
from kairos_contracts.topics import SYSTEM
from kairos_platform.messaging.outbox import add_rows, envelope_row
from kairos_platform.messaging.relay import RelayConfig
from kairos_platform.settings import ServiceSettings

PARTITIONS = 6
# How long the broker may hold this bench's own fetches when it has nothing: it answers
# as soon as a record arrives, so a short wait only costs the broker CPU.
FETCH_WAIT_MS = int(os.environ.get("FETCH_WAIT_MS", "25"))
READY = "metrics server listening"


class Tail:
    """Reads the topic from its current end, recording when each event id arrives."""

    def __init__(self, bootstrap: str) -> None:
        self.arrivals: dict[str, float] = {}
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=FETCH_WAIT_MS
        )

    async def start(self) -> None:
        await self._consumer.start()
        parts = [TopicPartition(SYSTEM, p) for p in range(PARTITIONS)]
        self._consumer.assign(parts)
        await self._consumer.seek_to_end(*parts)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batch = await self._consumer.getmany(timeout_ms=50)
            now = time.time()  # wall clock: the producer is another process
            for records in batch.values():
                for r in records:
                    self.arrivals.setdefault(json.loads(r.value)["event_id"], now)

    async def wait_for(self, count: int, timeout: float) -> float:
        """Until ``count`` events arrived (or ``timeout``); returns the last arrival."""
        deadline = time.time() + timeout
        while len(self.arrivals) < count and time.time() < deadline:
            await asyncio.sleep(0.01)
        return max(self.arrivals.values(), default=time.time())

    async def stop(self) -> None:
        self._task.cancel()
        await self._consumer.stop()


async def preload(service_url: str, n: int) -> None:
    """``n`` Ping events in the outbox, unsent, in one transaction."""
    engine = create_async_engine(service_url)
    rows = [
        envelope_row(Envelope.wrap(Ping(ping_id=uuid.uuid4(), origin="bench"), source="bench"))
        for _ in range(n)
    ]
    async with engine.begin() as conn:
        for i in range(0, n, 2000):
            async with AsyncSession(bind=conn) as session:
                await add_rows(session, messaging, rows[i : i + 2000])
                await session.flush()
    await engine.dispose()


async def produce(service_url: str, rate: int, seconds: float, out: Path) -> None:
    """Child process: one business transaction per event at ``rate``/s, through the
    booking unit of work (as an HTTP handler would); writes event id -> commit time."""
    service = bootstrap(ServiceSettings(SERVICE_NAME="booking", DATABASE_URL=service_url))
    committed: dict[str, float] = {}

    async def one() -> None:
        async with service.uow_factory() as uow:
            env = uow.emit(Ping(ping_id=uuid.uuid4(), origin="bench"))
            await uow.commit()
        committed[str(env.event_id)] = time.time()

    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    achieved = total / (time.perf_counter() - start)
    await service.engine.dispose()
    out.write_text(json.dumps({"achieved": achieved, "committed": committed}))


async def steady(
    service_url: str, rate: int, seconds: float, tail: Tail, tmp: Path
) -> tuple[list[float], float]:
    """Commits at ``rate`` from a process of their own (``--produce``), so that the
    producer does not share this process's event loop with the tail; returns commit ->
    consumer latencies (ms) and the rate achieved."""
    out = tmp / "committed.json"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--produce", service_url, "--rate", str(rate),
        "--seconds", str(seconds), "--out", str(out),
    )  # fmt: skip
    await proc.wait()
    result = json.loads(out.read_text())
    committed: dict[str, float] = result["committed"]
    deadline = time.perf_counter() + 30
    while any(k not in tail.arrivals for k in committed) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    lat = [(tail.arrivals[k] - t) * 1000 for k, t in committed.items() if k in tail.arrivals]
    return lat, float(result["achieved"])


async def drain(stack: Stack, db: str, tail: Tail, preloaded: int, tmp: Path) -> float:
    """The relay process on the pre-loaded outbox; seconds from its being ready (start-up
    is not relaying) to the last event's arrival."""
    log = tmp / "relay.log"
    relay = stack.service_process("kairos_booking", "relay", db, log)
    t0 = await wait_for_log(log, READY, relay, timeout=120, every=0.01)
    t1 = await tail.wait_for(preloaded, timeout=300)
    return t1 - t0


async def bench(stack: Stack, args: argparse.Namespace, tmp: Path) -> None:
    db = await stack.migrated_database("bench_relay", Path(bootstrap().migrations))
    await stack.topics([SYSTEM], PARTITIONS)
    tail = Tail(stack.kafka.bootstrap)
    await tail.start()
    await preload(async_url(db), args.preload)
    secs = await drain(stack, db, tail, args.preload, tmp)
    drained = len(tail.arrivals)
    print(
        f"relay drain: {drained} events in {secs:.2f}s = {drained / secs:.0f} events/s "
        "(from the relay process being ready)"
    )
    lat, achieved = await steady(async_url(db), args.rate, args.seconds, tail, tmp)
    await tail.stop()
    p50, p95, p99 = (percentile(lat, p) for p in (50, 95, 99))
    print(
        f"steady {achieved:.0f} events/s for {args.seconds:.0f}s: {len(lat)} delivered; "
        f"commit->consumer p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
        f"max {max(lat):.1f} ms"
    )
    write_report(Path(args.reports), args, drained, secs, achieved, lat)


def write_report(
    folder: Path, args: argparse.Namespace, drained: int, secs: float, achieved: float,
    lat: list[float],
) -> None:  # fmt: skip
    path = report_path(folder, "relay")
    settings = ServiceSettings(SERVICE_NAME="booking", DATABASE_URL="postgresql://unused")
    rows = [
        ("relay throughput (pre-loaded outbox drained)",
         f"{drained / secs:.0f} events/s ({drained} in {secs:.2f} s)"),
        ("steady rate achieved", f"{achieved:.0f} events/s"),
        ("commit -> consumer p50", f"{statistics.median(lat):.1f} ms"),
        ("commit -> consumer p95", f"{percentile(lat, 95):.1f} ms"),
        ("commit -> consumer p99", f"{percentile(lat, 99):.1f} ms"),
        ("max", f"{max(lat):.1f} ms"),
        ("delivered / committed", f"{len(lat)} / {int(args.rate * args.seconds)}"),
    ]  # fmt: skip
    path.write_text(
        f"# Relay benchmark ({path.stem.removeprefix('relay-')})\n\n"
        + machine_header(
            f"preload {args.preload}, rate {args.rate}/s for {args.seconds}s, {PARTITIONS} "
            f"partitions, one relay process (`python -m kairos_booking relay`, batch "
            f"{settings.relay_batch_size}, up to {RelayConfig.claim_buckets} buckets per "
            f"claim); the bench's consumer fetch wait {FETCH_WAIT_MS} ms"
        )
        + "\n"
        + table(("figure", "value"), rows)
    )
    print(f"report: {path}")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preload", type=int, default=20000)
    ap.add_argument("--rate", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--reports", default=str(ROOT / "reports"))
    ap.add_argument("--produce", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.produce:
        await produce(args.produce, args.rate, args.seconds, Path(args.out))
        return
    terminate_on_sigterm()
    tmp = Path(tempfile.mkdtemp(prefix="kairos-bench-"))
    stack = Stack(tmp)
    try:
        stack.start()
        await bench(stack, args, tmp)
    finally:
        stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
