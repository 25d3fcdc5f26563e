"""What the paid bench reads back: BookingConfirmed as it arrives on the bookings topic, the
payments topic from its start (per-key order, captures), and where each payment's time
went, from the services' databases.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from benchlib import percentile, plain

from kairos_contracts.topics import BOOKING_BOOKINGS, PAYMENTS_PAYMENTS
from kairos_platform.messaging.kafka import topic_partitions


class Confirmations:
    """Follows kairos.booking.bookings from its end; hold id -> arrival time."""

    def __init__(self, bootstrap: str) -> None:
        self.seen: dict[str, float] = {}
        self._c = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=10
        )

    async def start(self) -> None:
        await self._c.start()
        parts = await topic_partitions(self._c, [BOOKING_BOOKINGS])
        self._c.assign(parts)
        await self._c.seek_to_end(*parts)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batch = await self._c.getmany(timeout_ms=50)
            now = time.time()
            for records in batch.values():
                for r in records:
                    env = json.loads(r.value)
                    if env["type"] == "BookingConfirmed":
                        self.seen.setdefault(str(env["data"].get("hold_id")), now)

    async def wait_for(self, holds: dict[str, float], timeout: float) -> None:
        """Until every hold in ``holds`` was seen confirmed, or ``timeout`` seconds."""
        deadline = time.time() + timeout
        while any(h not in self.seen for h in holds) and time.time() < deadline:
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self._task.cancel()
        await self._c.stop()


@contextlib.asynccontextmanager
async def payments_from_the_start(
    bootstrap: str,
) -> AsyncIterator[tuple[AIOKafkaConsumer, list[TopicPartition]]]:
    """A group-less consumer on every partition of kairos.payments.payments, at offset 0."""
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await c.start()
    try:
        parts = await topic_partitions(c, [PAYMENTS_PAYMENTS])
        c.assign(parts)
        await c.seek_to_beginning(*parts)
        yield c, parts
    finally:
        await c.stop()


async def per_key_order(bootstrap: str, keys: set[str]) -> tuple[int, list[str]]:
    """Read kairos.payments.payments from the start: for every payment of this run, its
    PaymentVerified must come before its PaymentCaptured (one key = one partition, and the
    relays must keep each key's order even when two of them share the outbox)."""
    seen: dict[str, list[str]] = {}
    async with payments_from_the_start(bootstrap) as (c, parts):
        ends = await c.end_offsets(parts)

        async def behind() -> bool:
            return any([await c.position(tp) < ends[tp] for tp in parts])

        while await behind():
            for records in (await c.getmany(timeout_ms=500)).values():
                for r in records:
                    key = (r.key or b"").decode()
                    if key in keys:
                        seen.setdefault(key, []).append(json.loads(r.value)["type"])
    bad = [
        f"{key}: {types}"
        for key, types in seen.items()
        if "PaymentCaptured" in types
        and types.index("PaymentCaptured") < types.index("PaymentVerified")
    ]
    return len(seen), bad


async def captures_seen(bootstrap: str, want: int, timeout: float) -> int:
    """Wait (bounded) until payments has published ``want`` PaymentCaptured of this run."""
    deadline = time.time() + timeout
    count = 0
    async with payments_from_the_start(bootstrap) as (c, _):
        while count < want and time.time() < deadline:
            for records in (await c.getmany(timeout_ms=200)).values():
                count += sum(1 for r in records if b'"PaymentCaptured"' in r.value)
    return count


_VERIFIED = """
    SELECT payload->'data'->>'hold_id' AS hold, event_id, created_at, sent_at FROM outbox
    WHERE event_type = 'PaymentVerified' AND payload->'data'->>'hold_id' = ANY($1::text[])
"""
_RECEIVED = "SELECT event_id, received_at FROM inbox WHERE event_id = ANY($1::uuid[])"
_CONFIRMED = """
    SELECT payload->'data'->>'hold_id' AS hold, sent_at FROM outbox
    WHERE event_type = 'BookingConfirmed' AND payload->'data'->>'hold_id' = ANY($1::text[])
"""
STAGES = (
    "webhook sent -> PaymentVerified written",
    "-> published (payments relay)",
    "-> in booking's inbox (broker, consumer)",
    "-> BookingConfirmed published (booking, relay)",
    "-> seen by the bench (broker)",
)


async def stages(
    urls: dict[str, str], sent: dict[str, float], seen: dict[str, float]
) -> tuple[list[tuple[str, float, float]], dict[str, float]]:
    """Where a payment's time goes, from the databases' own clocks (same machine): webhook
    sent -> PaymentVerified in payments' outbox (the transaction's start) -> published by
    its relay -> in booking's inbox (broker and consumer) -> BookingConfirmed published
    (booking's transaction and relay) -> seen by this benchmark's consumer. p50 and p99;
    and, per hold, when the relay pass that published its BookingConfirmed began."""
    holds = [h for h in sent if h in seen]
    pay = await asyncpg.connect(plain(urls["payments"]))
    book = await asyncpg.connect(plain(urls["booking"]))
    try:
        pv = {r["hold"]: r for r in await pay.fetch(_VERIFIED, holds)}
        got = {
            r["event_id"]: r["received_at"].timestamp()
            for r in await book.fetch(_RECEIVED, [r["event_id"] for r in pv.values()])
        }
        bc = {r["hold"]: r["sent_at"].timestamp() for r in await book.fetch(_CONFIRMED, holds)}
    finally:
        await pay.close()
        await book.close()
    steps: dict[str, list[float]] = {}
    for h in holds:
        v = pv.get(h)
        if v is None or v["sent_at"] is None or v["event_id"] not in got or h not in bc:
            continue
        points = [sent[h], v["created_at"].timestamp(), v["sent_at"].timestamp()]
        points += [got[v["event_id"]], bc[h], seen[h]]
        for name, a, b in zip(STAGES, points, points[1:], strict=False):
            steps.setdefault(name, []).append((b - a) * 1000)
    return [(k, percentile(v, 50), percentile(v, 99)) for k, v in steps.items()], bc
