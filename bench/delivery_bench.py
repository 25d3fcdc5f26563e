"""Broker delivery benchmark: how long a record takes from the producer to the services'
subscriber (the platform's ``consumer_router``, FastStream's batch subscriber, as every
consumer process runs it), for pairs of fetch wait and batch timeout; and the CPU the
broker spends per second on that consumer.

    uv run python bench/delivery_bench.py [--pairs 25:100,25:10,100:100,100:10]
                                          [--topics 4] [--records 200]

Records are produced one at a time with the relay's producer settings, at random gaps of
50-350 ms (a steady period would phase-lock with the consumer's poll and show one latency
over and over). The broker comes from KAFKA_BOOTSTRAP_SERVERS when set (its CPU is then
not reported), else a private Apache Kafka node is started (and stopped) in a temp folder.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from benchlib import (
    ROOT,
    cpu_seconds,
    machine_header,
    percentile,
    report_path,
    table,
)
from faststream.kafka import KafkaBroker

from kairos_localstack.kafka import ApacheKafka, ensure_topics
from kairos_platform.messaging.consumer import Record
from kairos_platform.messaging.kafka import bootstrap_servers, consumer_router, make_producer


class Arrivals:
    """A stand-in dispatcher: notes when each record reaches the handler."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.latency_ms: list[float] = []

    async def handle_batch(self, records: Sequence[Record]) -> list[object]:
        now = time.perf_counter()
        for r in records:
            started = self.sent.pop(r.value.decode(), None)
            if started is not None:
                self.latency_ms.append((now - started) * 1000)
        return []


async def measure(
    bootstrap: str, broker_pid: int | None, topics: list[str], wait: int, timeout: int, n: int
) -> tuple[float, float, float, float, int]:
    arrivals = Arrivals()
    kb = KafkaBroker(bootstrap_servers(bootstrap), log_level=logging.DEBUG)
    kb.include_router(
        consumer_router(
            arrivals,
            topics=topics,
            group_id=f"delivery-{uuid.uuid4().hex[:8]}",
            fetch_max_wait_ms=wait,
            batch_timeout_ms=timeout,
        )
    )
    await kb.start()
    producer = make_producer(bootstrap, client_id="delivery-bench")
    await producer.start()
    try:
        await asyncio.sleep(5)  # the group's first join (half the session timeout)
        cpu0, t0 = _broker_cpu(broker_pid), time.perf_counter()
        for i in range(n):
            key = f"{i}"
            arrivals.sent[key] = time.perf_counter()
            await (await producer.send(random.choice(topics), value=key.encode(), key=key.encode()))
            await asyncio.sleep(random.uniform(0.05, 0.35))
        cpu1, t1 = _broker_cpu(broker_pid), time.perf_counter()
        deadline = time.monotonic() + 5
        while arrivals.sent and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await producer.stop()
        await kb.stop()
    lat = arrivals.latency_ms
    cpu = 100 * (cpu1 - cpu0) / (t1 - t0) if broker_pid else float("nan")
    return percentile(lat, 50), percentile(lat, 90), percentile(lat, 99), cpu, len(lat)


def _broker_cpu(pid: int | None) -> float:
    return cpu_seconds({"broker": pid})["broker"] if pid else 0.0


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--pairs",
        default="25:100,25:10,100:100,100:10",
        help="fetch_max_wait_ms:batch_timeout_ms, comma separated",
    )
    ap.add_argument("--topics", type=int, default=4)
    ap.add_argument("--records", type=int, default=200)
    ap.add_argument("--reports", default=str(ROOT / "reports"))
    return ap.parse_args()


async def each_pair(broker: ApacheKafka, args: argparse.Namespace) -> list[tuple[object, ...]]:
    """One measurement per (fetch wait, batch timeout) pair, on the same topics."""
    pairs = [tuple(int(x) for x in p.split(":")) for p in args.pairs.split(",")]
    topics = [f"bench.delivery.{i}" for i in range(args.topics)]
    await ensure_topics(broker.bootstrap, topics, partitions=3)
    pid = None if broker.is_external or broker.proc is None else broker.proc.pid
    rows: list[tuple[object, ...]] = []
    for wait, timeout in pairs:
        p50, p90, p99, cpu, got = await measure(
            broker.bootstrap, pid, topics, wait, timeout, args.records
        )
        print(
            f"fetch wait {wait} ms, batch timeout {timeout} ms: delivery p50 {p50:.1f}, "
            f"p90 {p90:.1f}, p99 {p99:.1f} ms ({got}/{args.records}); broker {cpu:.1f}% "
            "of a core",
            flush=True,
        )
        rows.append(
            (wait, timeout, f"{p50:.1f}", f"{p90:.1f}", f"{p99:.1f}", f"{cpu:.1f}%",
             f"{got}/{args.records}")
        )  # fmt: skip
    return rows


def write_report(args: argparse.Namespace, rows: list[tuple[object, ...]]) -> None:
    path = report_path(Path(args.reports), "delivery")
    header = ("fetch wait ms", "batch timeout ms", "p50 ms", "p90 ms", "p99 ms", "broker CPU")
    path.write_text(
        "# Broker delivery benchmark\n\n"
        + machine_header(
            f"{args.topics} topics of 3 partitions, one group consumer (consumer_router), "
            f"{args.records} records per pair at random gaps of 50-350 ms"
        )
        + "\n"
        + table((*header, "delivered"), rows)
    )
    print(f"report: {path}")


async def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kairos-delivery-bench-"))
    broker = ApacheKafka.from_env(tmp / "broker.log", tmp / "kafka")
    broker.start()
    try:
        rows = await each_pair(broker, args)
    finally:
        broker.stop()
    write_report(args, rows)


if __name__ == "__main__":
    asyncio.run(main())
