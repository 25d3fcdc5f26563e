"""The relay: publishes committed outbox rows to Kafka, then marks them sent.

Several relays may run against one database. Each claims whole buckets with
``FOR UPDATE SKIP LOCKED`` (a key always maps to one bucket), publishes that bucket's
unsent rows in id order with ``acks=all``, waits for every acknowledgement, and marks
the rows sent in the same transaction that holds the claim. A relay that dies after
publishing and before marking leaves the rows unsent: they are published again, and the
consumers' inboxes drop the duplicates. At-least-once out, exactly-once effects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_platform import tracing
from kairos_platform.db import driver
from kairos_platform.messaging.tables import OUTBOX_CHANNEL

log = logging.getLogger(__name__)

# Buckets are taken oldest-first, so a bucket that always has new rows cannot starve the
# others; several relays each take a disjoint set thanks to SKIP LOCKED. The claim and the
# rows in one statement (one round trip); the payload as the stored JSON text, sent as it
# is instead of decoded and encoded again.
_CLAIM_ROWS = """
    WITH claimed AS MATERIALIZED (
        SELECT b.bucket
          FROM outbox_bucket b
          JOIN LATERAL (
                SELECT min(o.id) AS first_id
                  FROM outbox o
                 WHERE o.bucket = b.bucket AND o.sent_at IS NULL
               ) f ON f.first_id IS NOT NULL
         ORDER BY f.first_id
         LIMIT $1
           FOR UPDATE OF b SKIP LOCKED
    )
    SELECT id, topic, key, payload::text AS payload, headers
      FROM outbox
     WHERE bucket IN (SELECT bucket FROM claimed) AND sent_at IS NULL
     ORDER BY id
     LIMIT $2
    """
_MARK_SENT = "UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])"
_BACKLOG = text(
    "SELECT count(*), EXTRACT(EPOCH FROM now() - min(created_at)) FROM outbox WHERE sent_at IS NULL"
)
_PURGE_SENT = text(
    """
    DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox WHERE sent_at < now() - make_interval(secs => :keep)
         ORDER BY id LIMIT 5000)
    """
)


async def _ending(future: Any, span: Any) -> Any:
    """Await the broker's ack, then end the row's span (with the error, if any)."""
    try:
        result = await future
    except BaseException as exc:
        tracing.end_span(span, exc)
        raise
    tracing.end_span(span, None)
    return result


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


class Producer(Protocol):
    """What the relay needs of a Kafka producer (aiokafka's AIOKafkaProducer fits)."""

    async def send(
        self, topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]]
    ) -> asyncio.Future[Any]: ...


@dataclass(frozen=True)
class OutboxRow:
    id: int
    topic: str
    key: str
    payload: str  # the envelope's JSON, as stored
    headers: dict[str, str]


@dataclass
class RelayConfig:
    batch_size: int = 500
    claim_buckets: int = 64
    poll_interval_s: float = 1.0
    error_backoff_s: float = 0.5
    keep_sent_s: float = 3600.0


@dataclass
class Backlog:
    count: int
    oldest_age_s: float


class Relay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer: Producer,
        *,
        listen_dsn: str | None = None,
        config: RelayConfig | None = None,
        on_published: Any = None,
    ) -> None:
        self._engine = engine
        self._producer = producer
        self._listen_dsn = listen_dsn
        self.config = config or RelayConfig()
        self._wake = asyncio.Event()
        self._on_published = on_published

    async def relay_once(self) -> int:
        """Claim buckets, publish their rows in order, mark them sent. Returns rows sent."""
        # on the driver (kairos_platform.db.driver): a pass runs for every few events
        async with self._engine.connect() as conn, conn.begin():
            pg = await driver(conn)
            rows = await self._claim(pg)
            if not rows:
                return 0
            await self._publish(rows)
            await pg.execute(_MARK_SENT, [r.id for r in rows])
        if self._on_published is not None:
            self._on_published(rows)
        return len(rows)

    async def backlog(self) -> Backlog:
        async with self._engine.connect() as conn:
            count, age = (await conn.execute(_BACKLOG)).one()
        return Backlog(int(count), float(age or 0.0))

    async def purge_sent(self) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(_PURGE_SENT, {"keep": self.config.keep_sent_s})

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set: woken by NOTIFY, polling as a fallback."""
        listener = asyncio.create_task(self._listen(stop))
        try:
            while not stop.is_set():
                # Cleared before the pass, not after it: a NOTIFY for a row committed after
                # the pass's claim must wake the next pass, or that row would wait for the
                # next NOTIFY or the poll interval (it set the relays' p99: bench/README.md).
                self._wake.clear()
                sent = await self._relay_guarded()
                if sent >= self.config.batch_size:
                    continue  # more is waiting: don't sleep
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first_of(self._wake, stop), self.config.poll_interval_s)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _relay_guarded(self) -> int:
        try:
            return await self.relay_once()
        except Exception:
            # Broker or database away: nothing was marked sent, so nothing is lost.
            log.exception("relay pass failed; retrying")
            await asyncio.sleep(self.config.error_backoff_s)
            return 0

    async def _claim(self, pg: asyncpg.Connection) -> list[OutboxRow]:
        result = await pg.fetch(_CLAIM_ROWS, self.config.claim_buckets, self.config.batch_size)
        return [OutboxRow(r[0], r[1], r[2], r[3], r[4]) for r in result]

    async def _publish(self, rows: Sequence[OutboxRow]) -> None:
        # Enqueue all, then wait for all acks: the producer batches per partition and keeps
        # the enqueue order within a partition, which is the per-key order.
        if tracing.enabled():
            await self._publish_traced(rows)
            return
        futures = [
            await self._producer.send(
                r.topic,
                value=r.payload.encode(),
                key=r.key.encode(),
                headers=[(k, str(v).encode()) for k, v in r.headers.items()],
            )
            for r in rows
        ]
        await asyncio.gather(*futures)

    async def _publish_traced(self, rows: Sequence[OutboxRow]) -> None:
        """``_publish`` with a PRODUCER span per row, from its enqueueing to its ack; the
        record's ``traceparent`` names that span (kairos_platform.tracing)."""
        futures: list[Any] = []
        for r in rows:
            traced = tracing.publish_span(r.topic, r.key, r.headers)
            headers = [(k, str(v).encode()) for k, v in r.headers.items() if k != "traceparent"]
            if traced is not None:
                headers.append(("traceparent", traced[1].encode()))
            try:
                future = await self._producer.send(
                    r.topic, value=r.payload.encode(), key=r.key.encode(), headers=headers
                )
            except BaseException as exc:
                if traced is not None:
                    tracing.end_span(traced[0], exc)
                raise
            futures.append(future if traced is None else _ending(future, traced[0]))
        await asyncio.gather(*futures)

    async def _listen(self, stop: asyncio.Event) -> None:
        """Hold a LISTEN connection; reconnect after a database restart."""
        if not self._listen_dsn:
            return
        while not stop.is_set():
            try:
                conn = await asyncpg.connect(self._listen_dsn)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _, lost=lost: lost.set())
                try:
                    await conn.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
                    self._wake.set()  # rows may have arrived while we were not listening
                    await _first_of(stop, lost)
                finally:
                    with contextlib.suppress(Exception):
                        await conn.close()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("outbox LISTEN connection lost; polling until it is back")
                await asyncio.sleep(self.config.error_backoff_s)
