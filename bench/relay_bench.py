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
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import create_async_engine

from kairos_booking.bootstrap import bootstrap
from kairos_contracts import Envelope
from kairos_contracts.events.system import Ping
from kairos_contracts.topics import SYSTEM
from kairos_localstack.kafka import ApacheKafka, ensure_topics
from kairos_localstack.postgres import PostgresServer, create_database
from kairos_platform.messaging.outbox import add_rows, envelope_row
from kairos_platform.migrations import upgrade
from kairos_platform.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
PARTITIONS = 6
FETCH_WAIT_MS = int(os.environ.get("FETCH_WAIT_MS", "25"))  # as the services' consumers


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


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

    async def stop(self) -> None:
        self._task.cancel()
        await self._consumer.stop()


async def wait_for(count: int, tail: Tail, timeout: float) -> float:
    deadline = time.time() + timeout
    while len(tail.arrivals) < count and time.time() < deadline:
        await asyncio.sleep(0.01)
    return max(tail.arrivals.values(), default=time.time())


def start_relay(db_url: str, bootstrap: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SERVICE_NAME": "booking",
        "METRICS_PORT": "0",
        "LOG_JSON": "true",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kairos_booking", "relay"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def relay_ready(log: Path) -> float:
    while "metrics server listening" not in (log.read_text() if log.exists() else ""):
        await asyncio.sleep(0.01)
    return time.time()


async def preload(service_url: str, n: int) -> None:
    engine = create_async_engine(service_url)
    async with engine.begin() as conn:
        rows = [
            envelope_row(Envelope.wrap(Ping(ping_id=uuid.uuid4(), origin="bench"), source="bench"))
            for _ in range(n)
        ]
        for i in range(0, n, 2000):
            from sqlalchemy.ext.asyncio import AsyncSession

            from kairos_booking.adapters.orm import messaging

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
    out = tmp / "committed.json"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--produce",
        service_url,
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
        "--out",
        str(out),
    )
    await proc.wait()
    result = json.loads(out.read_text())
    committed: dict[str, float] = result["committed"]
    deadline = time.perf_counter() + 30
    while any(k not in tail.arrivals for k in committed) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    lat = [(tail.arrivals[k] - t) * 1000 for k, t in committed.items() if k in tail.arrivals]
    return lat, float(result["achieved"])


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

    tmp = Path(tempfile.mkdtemp(prefix="kairos-bench-"))
    pg = (
        PostgresServer.external(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else PostgresServer(tmp / "pg")
    )
    kafka = ApacheKafka.from_env(tmp / "kafka.log", tmp / "kafka")
    pg.start()
    kafka.start()
    relay = None
    try:
        db = await create_database(pg.url(), f"bench_relay_{uuid.uuid4().hex[:6]}")
        service_url = "postgresql+asyncpg://" + db.split("://", 1)[1]
        await asyncio.to_thread(upgrade, Path(bootstrap().migrations), service_url)
        await ensure_topics(kafka.bootstrap, [SYSTEM], partitions=PARTITIONS)

        tail = Tail(kafka.bootstrap)
        await tail.start()
        await preload(service_url, args.preload)
        relay = start_relay(db, kafka.bootstrap, tmp / "relay.log")
        # The clock starts when the relay's process answers ready: start-up is not relaying.
        t0 = await relay_ready(tmp / "relay.log")
        t1 = await wait_for(args.preload, tail, timeout=300)
        drained = len(tail.arrivals)
        throughput = drained / (t1 - t0)
        print(
            f"relay drain: {drained} events in {t1 - t0:.2f}s = {throughput:.0f} events/s "
            "(from the relay process being ready)"
        )

        lat, achieved = await steady(service_url, args.rate, args.seconds, tail, tmp)
        await tail.stop()
        p50, p95, p99 = (percentile(lat, p) for p in (50, 95, 99))
        print(
            f"steady {achieved:.0f} events/s for {args.seconds:.0f}s: {len(lat)} delivered; "
            f"commit->consumer p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {max(lat):.1f} ms"
        )
        write_report(Path(args.reports), args, drained, t1 - t0, throughput, achieved, lat)
    finally:
        if relay is not None:
            relay.send_signal(signal.SIGTERM)
            relay.wait(15)
        kafka.stop()
        if not pg.is_external:
            pg.stop()


def write_report(
    folder: Path,
    args: argparse.Namespace,
    drained: int,
    secs: float,
    throughput: float,
    achieved: float,
    lat: list[float],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"relay-{stamp}.md"
    import aiokafka
    import sqlalchemy

    path.write_text(f"""# Relay benchmark ({stamp})

Machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},
SQLAlchemy {sqlalchemy.__version__}, aiokafka {aiokafka.__version__}; broker {os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "local Apache Kafka")}.
Settings: preload {args.preload}, rate {args.rate}/s for {args.seconds}s, {PARTITIONS} partitions,
one relay process (`python -m kairos_booking relay`, batch 500, up to 64 buckets per claim).

| figure | value |
|---|---|
| relay throughput (pre-loaded outbox drained) | {throughput:.0f} events/s ({drained} in {secs:.2f} s) |
| steady rate achieved | {achieved:.0f} events/s |
| commit -> consumer p50 | {statistics.median(lat):.1f} ms |
| commit -> consumer p95 | {percentile(lat, 95):.1f} ms |
| commit -> consumer p99 | {percentile(lat, 99):.1f} ms |
| max | {max(lat):.1f} ms |
| delivered / committed | {len(lat)} / {int(args.rate * args.seconds)} |
""")
    print(f"report: {path}")


if __name__ == "__main__":
    asyncio.run(main())
