"""Kafka wiring shared by every service: the relay's producer and the batch subscriber."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream import AckPolicy
from faststream.kafka import KafkaMessage, KafkaRouter

from kairos_platform.messaging.consumer import Dispatcher, Record

log = logging.getLogger(__name__)


def make_producer(bootstrap: str, *, client_id: str) -> AIOKafkaProducer:
    # acks=all: a row is marked sent only once every in-sync replica has it. No idempotent
    # or transactional producer: the local broker cannot do InitProducerId, and the inbox
    # makes duplicates harmless anyway.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=15000,
    )


def consumer_router(
    dispatcher: Dispatcher,
    *,
    topics: Sequence[str],
    group_id: str,
    max_records: int = 200,
    fetch_max_wait_ms: int = 25,
    session_timeout_ms: int = 6000,
    on_batch: Any = None,
    batch_timeout_ms: int = 10,
) -> KafkaRouter:
    """A router with one batch subscriber over ``topics`` that feeds ``dispatcher``.

    AckPolicy.NACK_ON_ERROR: the offsets are committed only after the handler returned,
    i.e. after every record's transaction committed; if anything escapes the dispatcher,
    the batch is nacked (sought back) and read again. Never commit-before-handle.

    ``fetch_max_wait_ms`` bounds how long a fetch waits for data: the local broker holds a
    fetch for the full wait even when records arrive, so it is the floor of delivery
    latency. ``batch_timeout_ms``: when a batch wait ends empty, FastStream sleeps as long
    again before it looks at the fetched records, and a record arriving then waits out the
    sleep; at 100 ms that was most of the delivery tail (`bench/delivery_bench.py`, 25 ms
    fetch wait: p50 18.4 / p99 111 ms at 100, p50 12.7 / p99 26 ms at 10, for ~1.2% of a
    core more in an idle consumer). A group's first join on
    the local broker takes half the session timeout, hence 6 s (3 s joins) instead of 10 s.
    """
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
        title=f"{group_id}.consumer",
    )
    async def consume(msg: KafkaMessage) -> None:
        # the whole batch to the dispatcher: runs of a type with a batch handler are handled
        # together, everything else record by record, in order
        await dispatcher.handle_batch(_records(msg.raw_message))
        if on_batch is not None:
            on_batch(msg)

    return router


def _records(raw: Any) -> list[Record]:
    if isinstance(raw, tuple | list):
        return [Record.from_consumer_record(r) for r in raw]
    return [Record.from_consumer_record(raw)]
