"""Apache Kafka run by the project (kafka_broker.ApacheKafka, kafka_dist.resolve).

Every wait polls against a deadline. The first test on a machine resolves the jars (mvn)
and builds the class-data-sharing archive; later runs find both in the cache.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from kairos_localstack import kafka_dist
from kairos_localstack.kafka import ApacheKafka, ensure_topics
from kairos_localstack.kafka_metadata import cluster_metadata
from kairos_localstack.proc import StartupError, pid_alive

pytestmark = pytest.mark.integration


def _poll(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} after {timeout:.0f}s")
        time.sleep(0.1)


def _producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,  # InitProducerId, as the relay's producer does
        acks="all",
        request_timeout_ms=30000,
        retry_backoff_ms=200,
    )


def _consumer(bootstrap: str, group: str, *topics: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=2000,  # below Kafka's default floor: the broker allows it
        heartbeat_interval_ms=300,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "kafka"


async def test_single_node_round_trip_kill_restart(data_dir: Path) -> None:
    broker = ApacheKafka(data_dir=data_dir, log_file=data_dir.parent / "kafka.log")
    started = time.monotonic()
    broker.start()
    print(f"single node ready in {time.monotonic() - started:.1f}s")
    try:
        assert broker.ready() and len(broker.nodes) == 1
        assert broker.nodes[0].name == "kafka" and broker.port == broker.nodes[0].port
        assert broker.proc is not None and broker.pid == broker.proc.pid
        bootstrap = broker.bootstrap
        assert await ensure_topics(bootstrap, ["k.events"]) == ["k.events"]
        assert await ensure_topics(bootstrap, ["k.events"]) == []

        producer = _producer(bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait("k.events", b"one", key=b"agg-1", partition=0)
        finally:
            await producer.stop()

        consumer = _consumer(bootstrap, "g1", "k.events")
        await consumer.start()
        try:
            msg = await asyncio.wait_for(consumer.getone(), timeout=30)
            assert (msg.key, msg.value, msg.partition, msg.offset) == (b"agg-1", b"one", 0, 0)
            await consumer.commit()
        finally:
            await consumer.stop()

        broker.pause()
        with pytest.raises(OSError):
            cluster_metadata(bootstrap, timeout=0.5)
        broker.resume()
        _poll(broker.ready, 10, "answering after resume")

        old_pid = broker.pid
        meta = data_dir / "node-1" / "data" / "meta.properties"
        meta_before = meta.read_text()
        assert broker.kill() == 1
        assert old_pid is not None and not pid_alive(old_pid)
        assert not broker.ready()
        # As a fault runner in another process would: a new object over the same data dir
        # restarts the node on the ports cluster.json recorded, without formatting it again.
        broker = ApacheKafka(data_dir=data_dir, log_file=data_dir.parent / "kafka.log")
        started = time.monotonic()
        broker.restart()
        print(f"restart after SIGKILL ready in {time.monotonic() - started:.1f}s")
        assert broker.bootstrap == bootstrap and broker.pid != old_pid
        assert meta.read_text() == meta_before

        # The topic and the group's committed offset survived the SIGKILL.
        assert await ensure_topics(bootstrap, ["k.events"]) == []
        producer = _producer(bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait("k.events", b"two", key=b"agg-1", partition=0)
        finally:
            await producer.stop()
        consumer = _consumer(bootstrap, "g1", "k.events")
        await consumer.start()
        try:
            assert await consumer.committed(TopicPartition("k.events", 0)) == 1
            msg = await asyncio.wait_for(consumer.getone(), timeout=30)
            assert (msg.value, msg.offset) == (b"two", 1)  # not "one" again
        finally:
            await consumer.stop()
    finally:
        broker.stop()
    assert not any(n.running for n in broker.nodes)
    assert (data_dir / "node-1" / "data" / "meta.properties").exists()  # caller's dir kept


async def test_three_node_cluster_survives_leader_kill(data_dir: Path) -> None:
    broker = ApacheKafka(data_dir=data_dir, nodes=3, log_file=data_dir.parent / "kafka.log")
    started = time.monotonic()
    broker.start()
    print(f"three nodes ready in {time.monotonic() - started:.1f}s")
    try:
        assert [n.name for n in broker.nodes] == ["kafka-1", "kafka-2", "kafka-3"]
        assert [n.log_file.name for n in broker.nodes] == [f"kafka-{i}.log" for i in (1, 2, 3)]
        assert len({n.port for n in broker.nodes}) == 3
        assert broker.bootstrap.count(",") == 2
        assert set(broker.metadata().brokers) == {1, 2, 3}

        bootstrap = broker.bootstrap
        await ensure_topics(bootstrap, ["c.events"], partitions=3, replication=3)
        _poll(
            lambda: len(broker.metadata(["c.events"]).partition("c.events", 0).isr) == 3,
            30,
            "fully replicated",
        )
        leader = broker.leader("c.events", 0)

        producer = _producer(bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait("c.events", b"before", partition=0)
            assert broker.kill(leader) == leader
            assert not broker.node(leader).running
            # acks=all with min.insync.replicas=2: two replicas left are enough.
            started = time.monotonic()
            await asyncio.wait_for(
                producer.send_and_wait("c.events", b"during", partition=0), timeout=60
            )
            print(f"produce after leader kill took {time.monotonic() - started:.1f}s")
        finally:
            await producer.stop()
        after = broker.metadata(["c.events"]).partition("c.events", 0)
        assert after.leader not in (leader, -1)
        assert leader not in after.isr

        started = time.monotonic()
        broker.restart(leader)
        _poll(
            lambda: len(broker.metadata(["c.events"]).partition("c.events", 0).isr) == 3,
            60,
            "back in the ISR",
        )
        print(f"killed node back in the ISR in {time.monotonic() - started:.1f}s")

        consumer = _consumer(bootstrap, "g3")
        consumer.assign([TopicPartition("c.events", 0)])
        await consumer.start()
        try:
            got = [(await asyncio.wait_for(consumer.getone(), timeout=30)).value for _ in "ab"]
        finally:
            await consumer.stop()
        assert got == [b"before", b"during"]
    finally:
        broker.stop()
    assert not any(n.running for n in broker.nodes)


# -- the resolver ------------------------------------------------------------------------


@pytest.fixture
def real_dist() -> kafka_dist.KafkaDist:
    return kafka_dist.resolve()  # the shared cache: resolved once per machine


@pytest.fixture
def fake_mvn(tmp_path: Path, real_dist: kafka_dist.KafkaDist) -> Iterator[Path]:
    """A `mvn` first on PATH that copies the real cache's jars (or fails half-way when
    FAKE_MVN_FAIL is set) and counts its runs in <tmp>/mvn-runs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "mvn"
    script.write_text(
        "#!/bin/sh\n"
        f'echo run >> "{tmp_path}/mvn-runs"\n'
        'for a in "$@"; do case "$a" in -DoutputDirectory=*) out="${a#*=}";; esac; done\n'
        'mkdir -p "$out"\n'
        f'if [ -n "$FAKE_MVN_FAIL" ]; then cp "{real_dist.jars[0]}" "$out"/; exit 1; fi\n'
        f'cp "{real_dist.home}"/libs/*.jar "$out"/\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    yield bin_dir


def _runs(tmp_path: Path) -> int:
    runs = tmp_path / "mvn-runs"
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def test_resolve_is_cached_and_redone_when_incomplete(
    tmp_path: Path,
    fake_mvn: Path,
    real_dist: kafka_dist.KafkaDist,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAIROS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{fake_mvn}{os.pathsep}{os.environ['PATH']}")

    monkeypatch.setenv("FAKE_MVN_FAIL", "1")  # an interrupted resolve leaves no marker
    with pytest.raises(StartupError, match="could not resolve"):
        kafka_dist.resolve()
    home = tmp_path / "cache" / f"kafka-{real_dist.version}"
    assert not (home / kafka_dist.MARKER).exists() and not (home / "libs").exists()
    monkeypatch.delenv("FAKE_MVN_FAIL")

    dist = kafka_dist.resolve()  # redone
    assert _runs(tmp_path) == 2
    assert dist.home == home and [j.name for j in dist.jars] == [j.name for j in real_dist.jars]
    assert dist.classpath.count(os.pathsep) == len(dist.jars) - 1

    started = time.monotonic()
    again = kafka_dist.resolve()
    assert time.monotonic() - started < 0.5
    assert _runs(tmp_path) == 2 and again.jars == dist.jars  # no mvn the second time

    # An edited descriptor is resolved again.
    pom = tmp_path / "pom.xml"
    pom.write_text(kafka_dist.POM.read_text() + "<!-- edited -->\n")
    kafka_dist.resolve(pom)
    assert _runs(tmp_path) == 3


def test_missing_mvn_without_root_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    java = shutil.which("java")
    assert java is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(java)
    monkeypatch.setenv("PATH", str(bin_dir))  # java, and no mvn
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("KAIROS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # not root: nothing is installed

    with pytest.raises(StartupError) as info:
        kafka_dist.resolve()
    message = str(info.value)
    assert "\n" not in message and "`mvn`" in message and "`java`" not in message
    assert not list((tmp_path / "cache").glob("*/libs"))
