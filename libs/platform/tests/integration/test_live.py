"""LiveHub against a real broker: no consumer group, starts at the end, sees what follows."""

import asyncio
import time
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from kairos_contracts import Envelope
from kairos_localstack.kafka import ensure_topics
from kairos_platform.live import LiveEvent, LiveHub, Subscription

pytestmark = pytest.mark.integration


def env(user: str) -> Envelope:
    return Envelope(
        type="Thing",
        version=1,
        source="test",
        subject=str(uuid.uuid4()),
        correlation_id=uuid.uuid4(),
        data={"user": user},
    )


async def _next_event(sub: Subscription) -> LiveEvent:
    item = await asyncio.wait_for(sub.queue.get(), 10)
    assert isinstance(item, LiveEvent), item
    return item


async def test_follows_every_partition_from_the_end_without_a_group(kafka_bootstrap: str) -> None:
    topic = f"test.live.{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    hub = LiveHub(kafka_bootstrap, [topic], lambda e: [f"user:{e.data['user']}"])
    try:
        before = env("a")
        await producer.send_and_wait(topic, before.to_json(), key=b"k0")
        await hub.start()
        await asyncio.wait_for(hub.ready.wait(), 15)
        sub = hub.subscribe("user:a")
        sent = [env("a") for _ in range(6)]
        started = time.monotonic()
        for i, e in enumerate(sent):  # different keys: several partitions
            await producer.send_and_wait(topic, e.to_json(), key=f"k{i}".encode())
        await producer.send_and_wait(topic, env("b").to_json(), key=b"kb")
        got = [await _next_event(sub) for _ in sent]
        elapsed = time.monotonic() - started
        assert sorted(e.event_id for e in got) == sorted(str(e.event_id) for e in sent)
        assert str(before.event_id) not in {e.event_id for e in got}
        assert elapsed < 5, elapsed
        assert sub.queue.empty()  # user b's event went elsewhere
        # No group: nothing was registered with the broker's group coordinator.
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            groups = [g[0] for g in await admin.list_consumer_groups()]
        finally:
            await admin.close()
        assert not any("live" in g for g in groups), groups
    finally:
        await hub.stop()
        await producer.stop()
