import asyncio
import time

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from kairos_localstack.kafka import ApacheKafka, ensure_topics, metadata_ok
from kairos_localstack.proc import pid_alive

pytestmark = pytest.mark.integration


async def test_topics_round_trip_pause_resume() -> None:
    broker = ApacheKafka()
    broker.start()
    pid = broker.pid
    try:
        bootstrap = broker.bootstrap
        assert await ensure_topics(bootstrap, ["a.events", "a.events.dlq"]) == [
            "a.events",
            "a.events.dlq",
        ]
        assert await ensure_topics(bootstrap, ["a.events"]) == []  # idempotent

        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        await producer.send_and_wait("a.events", b"hello", key=b"agg-1")
        await producer.stop()

        consumer = AIOKafkaConsumer(
            "a.events",
            bootstrap_servers=bootstrap,
            group_id="g1",
            auto_offset_reset="earliest",
            session_timeout_ms=2000,
            heartbeat_interval_ms=300,
        )
        await consumer.start()
        try:
            msg = await asyncio.wait_for(consumer.getone(), timeout=30)
        finally:
            await consumer.stop()
        assert (msg.key, msg.value) == (b"agg-1", b"hello")

        broker.pause()
        assert not _answers(bootstrap)
        broker.resume()
        assert _answers(bootstrap, within=5)
    finally:
        broker.stop()
    assert pid is not None and not pid_alive(pid)


def _answers(bootstrap: str, within: float = 0.0) -> bool:
    deadline = time.monotonic() + within
    while True:
        try:
            if metadata_ok(bootstrap, timeout=0.5):
                return True
        except OSError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


async def test_kafka_bootstrap_fixture(kafka_bootstrap: str) -> None:
    assert await ensure_topics(kafka_bootstrap, ["fixture.topic"]) in (["fixture.topic"], [])
    assert metadata_ok(kafka_bootstrap)
