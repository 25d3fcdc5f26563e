"""Apache Kafka run by the project: one KRaft node, or a three-node quorum, on 127.0.0.1.

The jars come from ``kafka_dist.resolve()`` (the checked-in Maven descriptor, resolved once
into a cache). Each node is one JVM running ``kafka.Kafka`` in combined mode
(``process.roles=broker,controller``) with its own broker and controller port and its log
directory under ``<data_dir>/node-<id>/``; ``<data_dir>/cluster.json`` keeps the cluster id
and the ports, so a restart (of a node, or of the whole cluster on the same data dir) finds
the same ports and never formats a directory twice.

The interface the stack and the fixtures use (``external``, ``from_env``, ``is_external``,
``bootstrap``, ``start``, ``stop``, ``ready``, ``pause``, ``resume``, ``port``, ``proc``,
``pid``) plus what fault runs need: ``nodes`` (each with its ``Popen``, port and log
file), ``kill(node)``, ``restart(node)`` and ``metadata()`` (leaders and ISRs).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shlex
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kairos_localstack.kafka_dist import KafkaDist, file_lock, resolve
from kairos_localstack.kafka_metadata import ClusterMetadata, cluster_metadata
from kairos_localstack.ports import free_port, port_free
from kairos_localstack.proc import StartupError, signal_group, spawn, wait_groups_gone

LAYOUT = "cluster.json"
#: written by a broker once every partition log is closed, removed again at start
CLEAN_SHUTDOWN = ".kafka_cleanshutdown"
#: seconds a stopping cluster node may linger after writing it
STOP_GRACE = 0.5

#: log4j2 configuration written to <data_dir>/log4j2.properties at start: INFO for the
#: broker on stdout, WARN for the loggers that write a line per partition or per config.
#: log4j's own shutdown hook is off, or the broker's shutdown would not be logged.
LOG4J2 = """\
status = error
shutdownHook = disable
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
"""
QUIET_LOGGERS = (
    "org.apache.kafka.common.config.AbstractConfig",  # every config, ~400 lines per start
    "org.apache.kafka.storage.internals",  # per-partition log loading and segment rolls
    "org.apache.kafka.common.utils.AppInfoParser",
    "org.apache.kafka.clients",  # the brokers' own clients: reconnect chatter after a kill
    "kafka.log",
    "kafka.cluster.Partition",
    "state.change.logger",
    "kafka.server.metadata",
    "org.apache.kafka.image",
    "org.apache.kafka.metadata",
    "kafka.coordinator",
    "org.apache.kafka.coordinator",
    "kafka.server.ReplicaFetcherThread",
    "kafka.server.ReplicaFetcherManager",
    "kafka.server.ReplicaAlterLogDirsManager",
    "kafka.server.ReplicaManager",
    "org.apache.kafka.server.log.remote",
    "org.apache.kafka.server.quota",  # thread start/stop lines
    "org.apache.kafka.server.purgatory",
    "org.apache.kafka.server.util.timer",
    "org.apache.kafka.controller.PeriodicTaskControlManager",
    "org.apache.kafka.controller.PartitionChangeBuilder",  # repeats ReplicationControlManager
)


def log4j2_properties() -> str:
    lines = [LOG4J2]
    for i, name in enumerate(QUIET_LOGGERS):
        lines.append(f"logger.q{i}.name = {name}\nlogger.q{i}.level = WARN\n")
    return "".join(lines)


def broker_config(
    node_id: int,
    port: int,
    controller_port: int,
    voters: Mapping[int, int],
    log_dir: Path,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """server.properties of one combined broker+controller node.

    voters: node id -> controller port of every node of the quorum.
    """
    n = len(voters)
    rf, min_isr = (3, 2) if n >= 3 else (n, 1)
    config = {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": ",".join(f"{i}@127.0.0.1:{p}" for i, p in voters.items()),
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(log_dir),
        # Topics are created on purpose (ensure_topics), never by a typo'd consumer.
        "auto.create.topics.enable": "false",
        # A group's first JoinGroup is answered at once (the default waits 3 s).
        "group.initial.rebalance.delay.ms": "0",
        # Tests run consumers with 2 s sessions to notice a killed member quickly; the
        # broker's default floor (6 s) would refuse them (INVALID_SESSION_TIMEOUT).
        "group.min.session.timeout.ms": "500",
        "num.partitions": "1",
        "default.replication.factor": str(rf),
        "min.insync.replicas": str(min_isr),
        "offsets.topic.replication.factor": str(rf),
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": str(rf),
        "transaction.state.log.min.isr": str(min_isr),
        "transaction.state.log.num.partitions": "10",
        "share.coordinator.state.topic.replication.factor": str(rf),
        "share.coordinator.state.topic.min.isr": str(min_isr),
        # A killed node is fenced, and its partitions led elsewhere, within ~3 s (default
        # 9 s; a restarted node also waits that long to register again). A stopped
        # follower leaves the ISR after 10 s (default 30 s), so acks=all producers do not
        # stall half a minute behind it.
        "broker.heartbeat.interval.ms": "1000",
        "broker.session.timeout.ms": "3000",
        "replica.lag.time.max.ms": "10000",
        # Memory: the log cleaner's dedupe buffer is 128 MiB of heap by default.
        "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
        "num.network.threads": "2",
        "num.io.threads": "4",
        "background.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
        "log.flush.offset.checkpoint.interval.ms": "10000",
        # Idle CPU: the active controller appends a no-op record every 500 ms by default,
        # which every other node then fetches; idle followers poll each leader every 500 ms
        # (a fetch still returns as soon as the leader has data: no added latency).
        "metadata.max.idle.interval.ms": "5000",
        "replica.fetch.wait.max.ms": "2000",
    }
    config.update(overrides or {})
    return config


# -- a synchronous Metadata probe ----------------------------------------------------------


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, as Kafka's own
    ``Uuid.randomUuid()`` (which also never starts one with '-')."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


# -- nodes and the cluster -------------------------------------------------------------


@dataclass
class KafkaNode:
    """One broker+controller JVM. ``name`` is what the stack records it as."""

    node_id: int
    port: int
    controller_port: int
    dir: Path
    log_file: Path
    name: str
    proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.dir / "server.properties"

    @property
    def log_dir(self) -> Path:
        return self.dir / "data"

    @property
    def formatted(self) -> bool:
        return (self.log_dir / "meta.properties").is_file()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class ApacheKafka:
    """Apache Kafka on 127.0.0.1 (``nodes`` KRaft nodes, 1 or 3), or an external bootstrap.

    data_dir: where node log dirs, configs and cluster.json live (default: a temp dir,
    removed by stop()). log_file: the broker's stdout (a cluster writes ``<stem>-<id>``
    beside it; default ``<data_dir>/node-<id>/kafka.log``). ports: each node's client port
    (default: those in cluster.json when still free, else free ones). heap_mb: -Xmx per
    node. overrides: extra server.properties for every node. ``KAIROS_KAFKA_JVM_OPTS``
    adds JVM options; ``KAIROS_KAFKA_CDS=0`` turns the class-data-sharing archive off.
    """

    label = "kafka broker"

    def __init__(
        self,
        data_dir: Path | None = None,
        nodes: int = 1,
        log_file: Path | None = None,
        ports: Sequence[int] | None = None,
        heap_mb: int = 384,
        overrides: Mapping[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        if nodes < 1:
            raise ValueError("nodes must be >= 1")
        if port is not None:
            ports = [port]
        if ports is not None and len(ports) != nodes:
            raise ValueError(f"{nodes} nodes but {len(ports)} ports")
        self.data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self.node_count = nodes
        self.log_file = log_file
        self.heap_mb = heap_mb
        self.overrides = dict(overrides or {})
        self._ports = list(ports) if ports is not None else None
        self._external: str | None = None
        self._owns_dir = False
        self._dist: KafkaDist | None = None
        self._cds: Path | None = None
        self.nodes: list[KafkaNode] = []
        self.cluster_id: str | None = None
        #: extra JVM options (the CDS training run uses this)
        self.jvm_extra: list[str] = []
        self.use_cds = os.environ.get("KAIROS_KAFKA_CDS", "1") != "0"

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    def external(cls, bootstrap: str) -> ApacheKafka:
        broker = cls()
        broker._external = bootstrap
        return broker

    @classmethod
    def from_env(
        cls, log_file: Path | None = None, data_dir: Path | None = None, nodes: int = 1
    ) -> ApacheKafka:
        """$KAFKA_BOOTSTRAP_SERVERS if set, else a local Kafka (not started)."""
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if bootstrap:
            return cls.external(bootstrap)
        return cls(data_dir=data_dir, nodes=nodes, log_file=log_file)

    @property
    def is_external(self) -> bool:
        return self._external is not None

    @property
    def bootstrap(self) -> str:
        if self._external is not None:
            return self._external
        if not self.nodes:
            raise RuntimeError("broker not started")
        return ",".join(n.bootstrap for n in self.nodes)

    @property
    def port(self) -> int | None:
        """The first node's client port."""
        return self.nodes[0].port if self.nodes else None

    @property
    def proc(self) -> subprocess.Popen[bytes] | None:
        """The first node's process (a single node's only one)."""
        return self.nodes[0].proc if self.nodes else None

    @property
    def pid(self) -> int | None:
        return self.nodes[0].pid if self.nodes else None

    def start(self, timeout: float = 90.0) -> None:
        """Resolve the jars (once per machine), lay out and format the node dirs that are
        new, start every node and wait until each one sees all of them as live brokers.

        timeout counts from the first JVM launch (a first resolve runs mvn before that)."""
        if self.is_external or any(n.proc is not None for n in self.nodes):
            return
        dist = self._resolve()
        self._layout(reuse_ports_if_free=True)
        try:
            self._format([n for n in self.nodes if not n.formatted], dist, timeout)
            for node in self.nodes:
                self._spawn(node, dist)
            self.wait_ready(timeout)
        except BaseException:
            self.stop(keep_dir=True)
            raise

    def ready(self) -> bool:
        """Every node is running and sees all nodes as live (registered, unfenced) brokers.
        One Metadata request per node, 1 s timeout each; never raises."""
        try:
            if self.is_external:
                return bool(cluster_metadata(self.bootstrap).brokers)
            if not self.nodes:
                return False
            want = {n.node_id for n in self.nodes}
            for node in self.nodes:
                if not node.running or set(cluster_metadata(node.bootstrap).brokers) != want:
                    return False
            return True
        except (OSError, struct.error):
            return False

    def wait_ready(self, timeout: float = 90.0) -> None:
        self._wait(self.ready, self.nodes, timeout, "ready")

    def stop(self, timeout: float = 20.0, keep_dir: bool = False) -> None:
        """SIGTERM every node (a clean shutdown: logs flushed, clean-shutdown markers
        written), SIGKILL what is left after timeout. A temp data dir made by this object is
        removed (unless keep_dir).

        When a whole cluster stops, its KRaft leader ends by waiting 5 s (hard-coded) for
        a successor that never comes. A node whose log dir holds the clean-shutdown marker
        has closed every partition log, so after a short grace it is killed instead (the
        metadata log it leaves is recovered at the next start, as after any crash)."""
        live = [n for n in self.nodes if n.proc is not None]
        procs = {n.proc.pid: n.proc for n in live if n.proc is not None}
        for pid in procs:
            signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        closed_at: dict[int, float] = {}
        pending = list(live)
        while pending and time.monotonic() < deadline:
            now = time.monotonic()
            for n in list(pending):
                assert n.proc is not None
                if n.proc.poll() is not None:
                    pending.remove(n)
                elif len(self.nodes) > 1 and (n.log_dir / CLEAN_SHUTDOWN).exists():
                    closed_at.setdefault(n.node_id, now)
                    if now - closed_at[n.node_id] > STOP_GRACE:
                        with contextlib.suppress(ProcessLookupError):
                            os.killpg(n.proc.pid, signal.SIGKILL)
                        pending.remove(n)
            if pending:
                time.sleep(0.05)
        wait_groups_gone(list(procs), 5.0, procs)
        for node in live:
            node.proc = None
        if self._owns_dir and not keep_dir and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.nodes = []

    def pause(self, node: int | None = None) -> None:
        """Freeze a node, or every node (SIGSTOP): connections stay open, nothing answers."""
        for n in self._targets(node):
            assert n.proc is not None
            os.killpg(n.proc.pid, signal.SIGSTOP)
            _wait_stopped(n.proc.pid)

    def resume(self, node: int | None = None) -> None:
        for n in self._targets(node):
            assert n.proc is not None
            os.killpg(n.proc.pid, signal.SIGCONT)

    # -- faults ------------------------------------------------------------------------

    def node(self, node_id: int) -> KafkaNode:
        for n in self.nodes:
            if n.node_id == node_id:
                return n
        raise KeyError(f"no kafka node {node_id}")

    def metadata(self, topics: Sequence[str] | None = None) -> ClusterMetadata:
        """Metadata as the running nodes see it (the first that answers)."""
        live = ",".join(n.bootstrap for n in self.nodes if n.running) or self.bootstrap
        return cluster_metadata(live, topics, timeout=2.0)

    def leader(self, topic: str, partition: int = 0) -> int:
        return self.metadata([topic]).partition(topic, partition).leader

    def kill(self, node: int | None = None) -> int:
        """SIGKILL one node's process group and reap it; returns its id. node=None: the
        running node that leads the most partitions (the only one, for a single node)."""
        if node is None:
            node = self._busiest_node()
        target = self.node(node)
        if target.proc is None:
            raise RuntimeError(f"kafka node {node} is not running")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(target.proc.pid, signal.SIGKILL)
        wait_groups_gone([target.proc.pid], 10.0, {target.proc.pid: target.proc})
        target.proc = None
        return node

    def restart(self, node: int | None = None, timeout: float = 60.0) -> KafkaNode:
        """Start a stopped (killed) node again: same id, ports, config and log dir, no
        formatting. If it is still running it is SIGKILLed first. Waits until it is a live
        (registered, unfenced) broker again; catching up to rejoin the ISRs comes after.
        node=None: the only node of a single-node Kafka.

        Works on a fresh ApacheKafka over an existing data_dir too (ports from
        cluster.json): a process other than the one that started the cluster can restart
        one of its nodes."""
        if self.is_external:
            raise RuntimeError("cannot restart an external broker")
        if not self.nodes:
            self._layout(reuse_ports_if_free=False)
        if node is None:
            if len(self.nodes) != 1:
                raise ValueError("name the node to restart in a cluster")
            node = self.nodes[0].node_id
        target = self.node(node)
        if target.proc is not None:
            self.kill(node)
        if not target.formatted:
            raise StartupError(f"kafka node {node}: {target.log_dir} was never formatted")
        self._spawn(target, self._resolve())

        def back() -> bool:  # registered and unfenced again
            return node in cluster_metadata(target.bootstrap).brokers

        self._wait(back, [target], timeout, f"node {node} back")
        return target

    # -- internals -------------------------------------------------------------------

    def _targets(self, node: int | None) -> list[KafkaNode]:
        targets = [self.node(node)] if node is not None else self.nodes
        if not targets or any(n.proc is None for n in targets):
            raise RuntimeError("cannot signal an external or stopped broker")
        return targets

    def _busiest_node(self) -> int:
        running = [n.node_id for n in self.nodes if n.running]
        if not running:
            raise RuntimeError("no kafka node is running")
        if len(running) == 1:
            return running[0]
        try:
            counts = self.metadata().leader_counts()
        except (OSError, struct.error):
            return running[0]
        return max(running, key=lambda i: (counts.get(i, 0), -i))

    def _resolve(self) -> KafkaDist:
        if self._dist is None:
            self._dist = resolve()
            self._cds = ensure_cds_archive(self._dist) if self.use_cds else None
        return self._dist

    def _layout(self, reuse_ports_if_free: bool) -> None:
        """Decide data dir, cluster id and ports (cluster.json), write each node's config."""
        if self.data_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="kairos-kafka-"))
            self._owns_dir = True
        self.data_dir.mkdir(parents=True, exist_ok=True)
        layout_file = self.data_dir / LAYOUT
        saved: dict[str, object] = {}
        if layout_file.exists():
            saved = json.loads(layout_file.read_text())
        saved_nodes = saved.get("nodes") or []
        assert isinstance(saved_nodes, list)
        if saved_nodes and len(saved_nodes) != self.node_count:
            raise StartupError(
                f"{self.data_dir} holds a {len(saved_nodes)}-node Kafka, "
                f"asked for {self.node_count}: remove the folder to start over"
            )
        ids = list(range(1, self.node_count + 1))
        saved_ports = [(int(s["port"]), int(s["controller_port"])) for s in saved_nodes]
        if self._ports is not None:
            saved_cport = dict(saved_ports)  # client port -> its controller port last time
            ports = [
                (p, saved_cport[p] if _bindable(saved_cport.get(p, 0)) else free_port())
                for p in self._ports
            ]
        elif saved_ports and (
            not reuse_ports_if_free or all(_bindable(x) for pair in saved_ports for x in pair)
        ):
            ports = saved_ports
        else:
            ports = [(free_port(), free_port()) for _ in ids]
        cluster_id = str(saved.get("cluster_id") or new_cluster_id())
        self.cluster_id = cluster_id
        voters = {i: cport for i, (_, cport) in zip(ids, ports, strict=True)}
        self.nodes = []
        for i, (port, cport) in zip(ids, ports, strict=True):
            ndir = self.data_dir / f"node-{i}"
            ndir.mkdir(exist_ok=True)
            name = "kafka" if self.node_count == 1 else f"kafka-{i}"
            node = KafkaNode(i, port, cport, ndir, self._node_log(i, ndir), name)
            config = broker_config(i, port, cport, voters, node.log_dir, self.overrides)
            _write(node.config_file, "".join(f"{k}={v}\n" for k, v in config.items()))
            self.nodes.append(node)
        layout = {
            "cluster_id": cluster_id,
            "nodes": [
                {"node_id": n.node_id, "port": n.port, "controller_port": n.controller_port}
                for n in self.nodes
            ],
        }
        _write(layout_file, json.dumps(layout, indent=2))
        _write(self.data_dir / "log4j2.properties", log4j2_properties())

    def _node_log(self, node_id: int, ndir: Path) -> Path:
        if self.log_file is None:
            return ndir / "kafka.log"
        if self.node_count == 1:
            return self.log_file
        return self.log_file.with_name(f"{self.log_file.stem}-{node_id}{self.log_file.suffix}")

    def _jvm(self, dist: KafkaDist, heap_mb: int, extra: bool = True) -> list[str]:
        assert self.data_dir is not None
        argv = [
            dist.java,
            "-Xms32m",
            f"-Xmx{heap_mb}m",
            "-Xss512k",
            "-XX:+UseSerialGC",
            # C1 only: start-up in about half the time on two cores, and a small
            # code cache; the broker of a local stack is never CPU-bound.
            "-XX:TieredStopAtLevel=1",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
        ]
        if self._cds is not None:
            argv.append(f"-XX:SharedArchiveFile={self._cds}")
        if extra:
            argv += self.jvm_extra
        argv += shlex.split(os.environ.get("KAIROS_KAFKA_JVM_OPTS", ""))
        return [*argv, "-cp", dist.classpath]

    def _format(self, nodes: Sequence[KafkaNode], dist: KafkaDist, timeout: float) -> None:
        """Run the storage tool on each node dir never formatted (in parallel)."""
        assert self.cluster_id is not None
        running = []
        for node in nodes:
            # Without meta.properties a broker never started here, so nothing is lost.
            shutil.rmtree(node.log_dir, ignore_errors=True)
            argv = [*self._jvm(dist, 128, extra=False), "kafka.tools.StorageTool", "format"]
            argv += ["-t", self.cluster_id, "-c", str(node.config_file)]
            running.append((node, spawn(argv, node.log_file)))
        deadline = time.monotonic() + timeout
        for node, proc in running:
            try:
                code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                raise StartupError(f"formatting kafka node {node.node_id} timed out") from None
            if code != 0 or not node.formatted:
                raise StartupError(
                    f"formatting kafka node {node.node_id} failed (exit {code}); "
                    f"see {node.log_file}"
                )

    def _spawn(self, node: KafkaNode, dist: KafkaDist) -> None:
        argv = [*self._jvm(dist, self.heap_mb), "kafka.Kafka", str(node.config_file)]
        node.proc = spawn(argv, node.log_file)

    def _wait(
        self, check: Callable[[], bool], nodes: Sequence[KafkaNode], timeout: float, what: str
    ) -> None:
        deadline = time.monotonic() + timeout
        interval = 0.05
        while True:
            with contextlib.suppress(Exception):  # a probe that raises means "not yet"
                if check():
                    return
            for n in nodes:
                if n.proc is not None and n.proc.poll() is not None:
                    raise StartupError(
                        f"kafka node {n.node_id} exited with code {n.proc.returncode}; "
                        f"see {n.log_file}"
                    )
            if time.monotonic() > deadline:
                logs = ", ".join(str(n.log_file) for n in nodes)
                raise StartupError(f"{self.label} not {what} after {timeout:.0f}s; see {logs}")
            time.sleep(interval)
            interval = min(interval * 1.5, 0.5)


def _bindable(port: int) -> bool:
    """Whether a JVM could listen on port now (Java sets SO_REUSEADDR); 0: no saved port."""
    return port > 0 and port_free(port)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# -- class-data sharing ----------------------------------------------------------------


def ensure_cds_archive(dist: KafkaDist, timeout: float = 120.0) -> Path | None:
    """A class-data-sharing archive of the broker's classes, made once per resolved Kafka
    and java (a training run: one node started and stopped). JVMs that map it start
    faster (bench/README.md). None if it could not be made (the broker runs without it)."""
    java = Path(dist.java).resolve()
    stamps = [f"{j}:{j.stat().st_mtime_ns}" for j in (java, *dist.jars)]
    key = hashlib.sha256("\n".join(stamps).encode()).hexdigest()[:16]
    archive = dist.home / f"cds-{key}.jsa"
    failed = archive.with_suffix(".failed")

    def failed_lately() -> bool:  # a failure is retried the next day
        with contextlib.suppress(OSError):
            return time.time() - failed.stat().st_mtime < 86400
        return False

    if archive.exists():
        return archive
    if failed_lately():
        return None
    with file_lock(dist.lock_file, timeout):
        if archive.exists():
            return archive
        if failed_lately():
            return None
        tmp = archive.with_name(f"{archive.stem}.{os.getpid()}.tmp")
        try:
            _train(dist, tmp, timeout)
            # A truncated archive crashes the JVM that maps it: check before publishing.
            check = [dist.java, "-Xshare:on", f"-XX:SharedArchiveFile={tmp}", "-XX:+UseSerialGC"]
            check += ["-cp", dist.classpath, "kafka.tools.StorageTool", "random-uuid"]
            res = subprocess.run(check, capture_output=True, timeout=60, check=False)
            if res.returncode != 0:
                raise StartupError(res.stderr.decode(errors="replace")[-300:])
            os.replace(tmp, archive)
            for stale in dist.home.glob("cds-*"):  # made for an older java or jar set
                if stale.name != archive.name:
                    stale.unlink(missing_ok=True)
            return archive
        except (StartupError, OSError, subprocess.SubprocessError) as exc:
            failed.write_text(f"{exc}\n")
            return None
        finally:
            tmp.unlink(missing_ok=True)


def _train(dist: KafkaDist, archive: Path, timeout: float) -> None:
    broker = ApacheKafka()
    broker.use_cds = False
    broker._dist = dist
    broker.jvm_extra = [f"-XX:ArchiveClassesAtExit={archive}"]
    try:
        broker.start(timeout)
    except BaseException:
        broker.stop(keep_dir=True)  # its log stays for the error message
        raise
    broker.stop(timeout=60.0)  # the archive is written as the JVM exits
    if not archive.exists():
        raise StartupError("the training run wrote no archive")


def _wait_stopped(pgid: int, timeout_s: float = 5.0) -> None:
    """Until every thread of the group's processes is stopped: SIGSTOP is delivered as each
    thread is next scheduled, so on a busy machine a JVM thread could still answer a request
    sent right after the signal."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        states = [state for pid in _group(pgid) for state in _thread_states(pid)]
        if states and all(state in "Tt" for state in states):
            return
        time.sleep(0.01)


def _group(pgid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if (
                    int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[2])
                    == pgid
                ):
                    found.append(int(entry))
    return found


def _thread_states(pid: int) -> list[str]:
    states = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, IndexError):
                states.append(
                    Path(f"/proc/{pid}/task/{task}/stat").read_text().rsplit(")", 1)[1].split()[0]
                )
    return states
