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
