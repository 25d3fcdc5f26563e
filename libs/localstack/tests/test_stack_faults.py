"""The stack's fault hooks (used by kairos_e2e.faults): a service process killed and started
again with the same argv/env/port, PostgreSQL restarted on its port, the broker paused."""

import json
import signal
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from kairos_localstack.kafka import metadata_ok
from kairos_localstack.proc import pid_alive, run_sync
from kairos_localstack.stack import Stack

from .conftest import stand_in_booking

pytestmark = pytest.mark.integration


def _answers(bootstrap: str) -> bool:
    try:
        return metadata_ok(bootstrap, timeout=2)
    except OSError:  # a frozen broker accepts the connection and never answers
        return False


def test_restart_process_postgres_and_broker_pause(no_externals: None) -> None:
    data = Path(tempfile.mkdtemp(prefix="kairos-stackfaults-"))
    fake = stand_in_booking()
    stack = Stack(data, services=[fake], ready_timeout=60)
    stack.up()
    try:
        assert stack.service_process_names() == [
            "booking-http",
            "booking-consumer",
            "booking-relay",
        ]
        for name in ("booking-http", "booking-consumer"):
            old = stack.record(name)
            new = stack.restart_process(name)
            assert new.pid != old.pid and new.port == old.port and new.log == old.log
            assert not pid_alive(old.pid) and new.alive
            stack.wait_process_ready(name, timeout=30)
            on_disk = json.loads((data / "state.json").read_text())
            assert [p["pid"] for p in on_disk["processes"] if p["name"] == name] == [new.pid]
        env = httpx.get(f"{stack.state.gateway_url}/api/booking/env").json()
        assert env["SERVICE_NAME"] == "booking"  # same environment as before
        with pytest.raises(KeyError):
            stack.restart_process("kafka")

        # A second consumer, as an SRE scales it: its own port and log, ready, recorded.
        replica = stack.add_replica("booking", "consumer")
        assert replica.name == "booking-consumer-2" and replica.alive
        assert replica.port != stack.record("booking-consumer").port
        stack.wait_process_ready(replica.name, timeout=30)
        on_disk = json.loads((data / "state.json").read_text())
        assert replica.pid in [p["pid"] for p in on_disk["processes"]]  # `down` stops it
        with pytest.raises(KeyError):
            stack.add_replica("booking", "http")

        old_pg = stack.record("postgres")
        new_pg = stack.restart_postgres()
        assert new_pg.pid != old_pg.pid and new_pg.port == old_pg.port
        url = stack.state.endpoints["database_url"]

        async def ask() -> int:
            conn = await asyncpg.connect(url)
            try:
                return int(await conn.fetchval("SELECT 1"))
            finally:
                await conn.close()

        assert run_sync(ask) == 1

        bootstrap = stack.state.endpoints["kafka_bootstrap"]
        stack.signal_process("kafka", signal.SIGSTOP)
        try:
            assert not _answers(bootstrap)
        finally:
            stack.signal_process("kafka", signal.SIGCONT)
        assert _answers(bootstrap)
    finally:
        stack.down()
    assert not (data / "state.json").exists()


def test_a_three_node_kafka_stack_loses_its_busiest_node_and_gets_it_back(
    no_externals: None,
) -> None:
    """kafka_nodes=3: three broker processes recorded (stopped after the services), topics
    with three replicas; the node leading the most partitions SIGKILLed: the others lead
    its partitions; restarted on its log dir and ports, every partition is in sync again;
    a clean stop of a node (a rolling restart's step) and its return too."""
    from kairos_localstack.kafka_metadata import cluster_metadata

    data = Path(tempfile.mkdtemp(prefix="kairos-stack3-"))
    fake = stand_in_booking()
    stack = Stack(data, services=[fake], ready_timeout=90, kafka_nodes=3)
    stack.up()
    try:
        assert stack.kafka_node_names() == ["kafka-1", "kafka-2", "kafka-3"]
        bootstrap = stack.state.endpoints["kafka_bootstrap"]
        meta = cluster_metadata(bootstrap)
        assert set(meta.brokers) == {1, 2, 3}
        kairos = [p for p in meta.partitions if p.topic.startswith("kairos.")]
        assert kairos and all(len(p.replicas) == 3 for p in kairos)

        victim = stack.kill_kafka_node()
        assert not stack.record(victim).alive
        gone = int(victim.split("-")[1])

        def led_elsewhere() -> bool:
            try:
                now = cluster_metadata(bootstrap, timeout=2)
            except OSError:
                return False
            return gone not in now.brokers and all(
                p.leader not in (gone, -1) for p in now.partitions
            )

        deadline = time.monotonic() + 30
        while not led_elsewhere():
            assert time.monotonic() < deadline, "the other nodes never took the leads over"
            time.sleep(0.2)
        back = stack.restart_kafka_node(victim)
        assert back.alive and back.port == stack.record(victim).port
        stack.wait_kafka_in_sync(60)
        stack.kill_kafka_node("kafka-2", graceful=True)
        stack.restart_kafka_node("kafka-2")
        stack.wait_kafka_in_sync(60)
    finally:
        stack.down()
    assert not (data / "state.json").exists()
