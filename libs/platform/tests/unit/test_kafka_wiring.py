"""The batch subscriber as every consumer process runs it: it waits for records, and never
sleeps after a wait that found none (a record arriving in such a sleep waited it out)."""

from __future__ import annotations

import asyncio
from typing import Any

from kairos_platform.messaging.kafka import wait_for_records_without_sleeping


class _NothingYet:
    """A consumer whose fetches bring nothing, counting how often it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[Any, list[Any]]:
        self.asked += 1
        return {}


async def test_an_empty_wait_returns_at_once_instead_of_sleeping_its_timeout() -> None:
    from faststream.kafka.subscriber.usecase import BatchSubscriber

    wait_for_records_without_sleeping()
    wait_for_records_without_sleeping()  # idempotent
    subscriber: Any = BatchSubscriber.__new__(BatchSubscriber)
    subscriber.batch_timeout_ms, subscriber.max_records = 60_000, 10
    consumer = _NothingYet()
    # FastStream's own get_msg would sleep the batch timeout (a minute) here
    found = await asyncio.wait_for(BatchSubscriber.get_msg(subscriber, consumer), 5)
    assert found == () and consumer.asked == 1


def test_a_cluster_bootstrap_is_given_to_faststream_as_a_list() -> None:
    from kairos_platform.messaging.kafka import bootstrap_servers

    # FastStream takes a string for one host: "a:1,b:2" could not reach a cluster
    assert bootstrap_servers("127.0.0.1:1, 127.0.0.1:2,") == ["127.0.0.1:1", "127.0.0.1:2"]


class _Recorder:
    """Stands in for the Dispatcher: the records of each batch it was handed."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []

    async def handle_batch(self, records: list[Any]) -> list[Any]:
        self.batches.append(records)
        return []


async def _deliver_one(broker: Any, monkeypatch: Any) -> tuple[_Recorder, list[str]]:
    """One record through ``consumer_router`` on ``broker`` (FastStream's in-memory test
    broker); the dispatcher's batches and the calls FastStream sent to a worker thread."""
    import anyio.to_thread
    from faststream.kafka import TestKafkaBroker

    from kairos_platform.messaging.kafka import consumer_router

    threaded: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        threaded.append(getattr(func, "__name__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    recorder = _Recorder()
    broker.include_router(consumer_router(recorder, topics=["t"], group_id="g"))  # type: ignore[arg-type]
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b'{"not": "parsed by FastStream"}', "t", key=b"k")
    return recorder, threaded


async def test_a_batch_reaches_the_dispatcher_without_a_worker_thread(monkeypatch: Any) -> None:
    from kairos_platform.messaging.kafka import consumer_broker

    recorder, threaded = await _deliver_one(consumer_broker("127.0.0.1:9", "c"), monkeypatch)
    [[record]] = recorder.batches
    assert record.key == b"k" and record.value == b'{"not": "parsed by FastStream"}'
    assert threaded == []


async def test_with_injection_on_the_message_came_through_a_worker_thread(
    monkeypatch: Any,
) -> None:
    """What ``consumer_broker`` turns off: FastStream's default resolved the message on a
    worker thread (the test above would fail with it)."""
    from faststream.kafka import KafkaBroker

    recorder, threaded = await _deliver_one(KafkaBroker("127.0.0.1:9"), monkeypatch)
    assert len(recorder.batches) == 1
    assert threaded != []
