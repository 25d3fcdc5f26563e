"""HandledOffsets against the broker: handled batches' offsets are committed together, never
an unhandled one, and a rebalance commits the partitions it takes away first."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from kairos_platform.messaging.kafka import HandledOffsets

pytestmark = pytest.mark.integration
PARTITIONS = 2
RECORDS = 40


@pytest.fixture
async def topic(kafka_bootstrap: str) -> AsyncIterator[str]:
    name = f"test.offsets.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, PARTITIONS, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for i in range(RECORDS):
            await producer.send_and_wait(name, b"%d" % i, partition=i % PARTITIONS)
    finally:
        await producer.stop()
    yield name


def _member(bootstrap: str, group: str, offsets: HandledOffsets | None, topic: str) -> Any:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    consumer.subscribe([topic], listener=offsets)
    return consumer


async def _committed(consumer: AIOKafkaConsumer, topic: str) -> int:
    total = 0
    for p in range(PARTITIONS):
        total += await consumer.committed(TopicPartition(topic, p)) or 0
    return total


async def _read(consumer: AIOKafkaConsumer, want: int, deadline_s: float = 20) -> list[Any]:
    got: list[Any] = []
    deadline = time.monotonic() + deadline_s
    while len(got) < want and time.monotonic() < deadline:
        for records in (await consumer.getmany(timeout_ms=200, max_records=1)).values():
            got.extend(records)
    return got


async def test_batches_are_committed_together_and_only_once_handled(
    kafka_bootstrap: str, topic: str
) -> None:
    offsets = HandledOffsets(interval_s=0.2)
    consumer = _member(kafka_bootstrap, f"g-{uuid.uuid4().hex[:6]}", offsets, topic)
    await consumer.start()
    try:
        records = await _read(consumer, RECORDS)
        assert len(records) == RECORDS
        handled = records[: RECORDS // 2]  # the rest fetched but never handled
        for r in handled:  # one batch each, as at a low rate
            offsets.handled(consumer, [r])
        await offsets.stop()
        assert await _committed(consumer, topic) == len(handled)
        # far fewer commits than batches: each one carried several
        assert 1 <= offsets.commits <= len(handled) // 4
    finally:
        await consumer.stop()


async def test_a_rebalance_commits_the_partitions_it_takes_away(
    kafka_bootstrap: str, topic: str
) -> None:
    group = f"g-{uuid.uuid4().hex[:6]}"
    slow = HandledOffsets(interval_s=3600)  # never on its own during this test
    first = _member(kafka_bootstrap, group, slow, topic)
    await first.start()
    second = None
    try:
        records = await _read(first, RECORDS)
        for r in records:
            slow.handled(first, [r])
        assert slow.commits == 0
        second = _member(kafka_bootstrap, group, None, topic)
        await second.start()
        reading = asyncio.create_task(_read(first, 1, deadline_s=30))  # takes part in it
        deadline = time.monotonic() + 30
        while not second.assignment() and time.monotonic() < deadline:
            await second.getmany(timeout_ms=200)
        reading.cancel()
        assert second.assignment(), "the second member got no partition"
        assert slow.commits >= 1
        # the second member starts after everything the first handled: nothing redone
        for tp in second.assignment():
            assert await second.committed(tp) == RECORDS // PARTITIONS
    finally:
        await first.stop()
        if second is not None:
            await second.stop()
