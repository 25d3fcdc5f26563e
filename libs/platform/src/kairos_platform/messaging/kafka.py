"""Kafka wiring shared by every service: the relay's producer and the batch subscriber."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage, KafkaRouter
from faststream.message import AckStatus

from kairos_platform.messaging.consumer import Dispatcher, Record

if TYPE_CHECKING:
    # aiokafka has no type information: to mypy its listener base is an unknown class
    _RebalanceListener = object
else:
    from aiokafka import ConsumerRebalanceListener as _RebalanceListener

log = logging.getLogger(__name__)


class HandledOffsets(_RebalanceListener):
    """Commits the group's offsets of handled batches every ``interval_s`` rather than
    after each batch: at a few events a second a batch is one record, and its commit was a
    broker round trip (and a replicated write) per event per group. Only offsets of batches
    whose transactions committed are ever committed, so nothing unhandled is skipped; what
    a crash leaves uncommitted (at most ``interval_s`` of handled events) is read again and
    dropped by the inbox. Partitions taken away by a rebalance get theirs committed first
    (the listener), so their next owner does not redo them."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.commits = 0  # made, for tests and metrics
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: Any = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def handled(self, consumer: Any, records: Sequence[Any]) -> None:
        """Every one of ``records`` is handled (its transaction committed)."""
        self._consumer = consumer
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            self._pending[tp] = max(self._pending.get(tp, 0), r.offset + 1)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while self._pending:
            await asyncio.sleep(self.interval_s)
            await self.flush()

    async def flush(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Commit what is handled and not committed yet (of ``partitions`` only, if given)."""
        async with self._lock:
            wanted = None if partitions is None else set(partitions)
            offsets = {tp: o for tp, o in self._pending.items() if wanted is None or tp in wanted}
            if not offsets or self._consumer is None:
                return
            try:
                await self._consumer.commit(offsets)
                self.commits += 1
            except (CommitFailedError, IllegalStateError) as exc:
                # no longer this member's partitions: their next owner reads them again
                log.info("handled offsets not committed (%s): %s", type(exc).__name__, exc)
            except KafkaError as exc:
                log.warning("offset commit failed, retried next time: %r", exc)
                return
            for tp, offset in offsets.items():
                if self._pending.get(tp) == offset:  # nothing newer handled meanwhile
                    del self._pending[tp]

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        await self.flush(revoked)

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        pass


def bootstrap_servers(bootstrap: str) -> list[str]:
    """``host:port,host:port`` as the list FastStream wants: given the string, it takes the
    whole of it for one host and cannot connect to a cluster (aiokafka splits it itself)."""
    return [server.strip() for server in bootstrap.split(",") if server.strip()]


async def topic_partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[Any]:
    """Every partition of ``topics``, for a group-less consumer to ``assign``. From a
    metadata answer of its own: ``consumer.topics()`` does not keep what it fetched, and a
    consumer without a subscription asks Kafka for no topic, so ``partitions_for_topic``
    knows none."""
    cluster = await consumer._client.fetch_all_metadata()
    return [
        TopicPartition(topic, p)
        for topic in topics
        for p in sorted(cluster.partitions_for_topic(topic) or ())
    ]


def make_producer(bootstrap: str, *, client_id: str) -> AIOKafkaProducer:
    # acks=all: a row is marked sent only once every in-sync replica has it. Idempotent:
    # the broker drops a batch the producer resends after a lost answer, and refuses one
    # out of sequence, so a key's records keep their order across retries. Not
    # transactional: the outbox and the inbox carry exactly-once.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=0,  # a relay pass sends its rows together anyway
        max_batch_size=256 * 1024,
        request_timeout_ms=15000,
    )


async def _get_msg_without_sleeping(self: Any, consumer: Any) -> tuple[Any, ...]:
    found = await consumer.getmany(timeout_ms=self.batch_timeout_ms, max_records=self.max_records)
    return tuple(chain.from_iterable(found.values()))


def wait_for_records_without_sleeping() -> None:
    """FastStream's batch subscriber sleeps ``batch_timeout_ms`` after a ``getmany`` that
    found nothing, so a record arriving in that sleep waits it out. aiokafka's ``getmany``
    already waits for records (it returns as soon as a fetch brings some, and Apache Kafka
    answers a waiting fetch as soon as records arrive), so the sleep only delays: it is
    left out. Idempotent (the same function put in again); tested in test_kafka_wiring.py."""
    from faststream.kafka.subscriber.usecase import BatchSubscriber

    BatchSubscriber.get_msg = _get_msg_without_sleeping  # type: ignore[method-assign]


def consumer_broker(bootstrap: str, client_id: str) -> KafkaBroker:
    """The broker a consumer process subscribes through (``consumer_router``)."""
    return KafkaBroker(
        bootstrap_servers(bootstrap),
        client_id=client_id,
        # FastStream's "Received" / "Processed" line per message at DEBUG: the dispatcher
        # logs what it decided with the correlation id, two more lines per event at INFO
        # only cost CPU under load
        log_level=logging.DEBUG,
        # no dependency injection: ``consume`` takes the message as its argument
        # (``_undecoded``); injecting it ran on a worker thread per batch
        apply_types=False,
    )


def consumer_router(
    dispatcher: Dispatcher,
    *,
    topics: Sequence[str],
    group_id: str,
    max_records: int = 200,
    fetch_max_wait_ms: int = 500,
    session_timeout_ms: int = 6000,
    on_batch: Any = None,
    batch_timeout_ms: int = 100,
    offsets: HandledOffsets | None = None,
) -> KafkaRouter:
    """A router with one batch subscriber over ``topics`` that feeds ``dispatcher``.

    AckPolicy.NACK_ON_ERROR: the offsets are committed only after the handler returned,
    i.e. after every record's transaction committed; if anything escapes the dispatcher,
    the batch is nacked (sought back) and read again. Never commit-before-handle. With
    ``offsets``, a handled batch's offsets are committed by it a moment later, together
    with the next batches' (``HandledOffsets``), instead of at once.

    ``fetch_max_wait_ms``: how long the broker holds a fetch that finds nothing (Apache
    Kafka answers it as soon as records arrive). ``batch_timeout_ms``: how long the
    subscriber waits for fetched records before it looks again (never sleeping after an
    empty wait: ``wait_for_records_without_sleeping``). Neither adds latency; shorter
    only costs idle CPU (figures: bench/README.md, "Broker delivery").
    """
    wait_for_records_without_sleeping()
    router = KafkaRouter()

    @router.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        fetch_max_wait_ms=fetch_max_wait_ms,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(300, session_timeout_ms // 5),
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        listener=offsets,
        title=f"{group_id}.consumer",
        decoder=_undecoded,
    )
    async def consume(msg: KafkaMessage) -> None:
        # the whole batch to the dispatcher: runs of a type with a batch handler are handled
        # together, everything else record by record, in order
        await dispatcher.handle_batch(_records(msg.raw_message))
        if offsets is not None:
            raw = msg.raw_message
            offsets.handled(msg.consumer, raw if isinstance(raw, tuple | list) else [raw])
            msg.committed = AckStatus.ACKED  # FastStream's ack commits nothing more
        if on_batch is not None:
            on_batch(msg)

    return router


async def _undecoded(msg: KafkaMessage) -> KafkaMessage:
    """The subscriber's "decoded body" is the message itself: the dispatcher parses each
    record's envelope (a JSON decode of every record by FastStream would be thrown away).
    With FastStream's dependency injection off (``KafkaBroker(apply_types=False)``, as the
    consumer process runs it), ``consume`` gets it as its argument; with it on, FastStream
    injects the same message from its context (``KafkaMessage`` is ``Context("message")``),
    but resolving that context runs on a worker thread, a hand-off and back per batch."""
    return msg


def _records(raw: Any) -> list[Record]:
    if isinstance(raw, tuple | list):
        return [Record.from_consumer_record(r) for r in raw]
    return [Record.from_consumer_record(raw)]
