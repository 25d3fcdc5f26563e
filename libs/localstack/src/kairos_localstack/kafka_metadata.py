"""What a Kafka cluster says about itself, asked synchronously: one Metadata (v0) request
over a plain socket (no client library, no event loop), enough to tell that a broker speaks
Kafka, which brokers are live, and each partition's leader, replicas and ISR."""

from __future__ import annotations

import socket
import struct
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PartitionInfo:
    topic: str
    partition: int
    leader: int  # -1: no leader
    replicas: tuple[int, ...]
    isr: tuple[int, ...]
    error: int = 0


@dataclass(frozen=True)
class ClusterMetadata:
    brokers: dict[int, tuple[str, int]]  # live (unfenced) brokers: id -> (host, port)
    partitions: list[PartitionInfo] = field(default_factory=list)

    def partition(self, topic: str, partition: int) -> PartitionInfo:
        for p in self.partitions:
            if p.topic == topic and p.partition == partition:
                return p
        raise KeyError(f"{topic}-{partition} not in metadata")

    def leader_counts(self) -> Counter[int]:
        return Counter(p.leader for p in self.partitions if p.leader >= 0)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return int(value)

    def string(self) -> str:
        n = self.take(">h")
        value = self.data[self.pos : self.pos + max(n, 0)].decode()
        self.pos += max(n, 0)
        return value

    def int_array(self) -> tuple[int, ...]:
        return tuple(self.take(">i") for _ in range(self.take(">i")))


def cluster_metadata(
    bootstrap: str, topics: Sequence[str] | None = None, timeout: float = 1.0
) -> ClusterMetadata:
    """Metadata (v0) from the first address of bootstrap that answers: live brokers, and
    each partition's leader, replicas and ISR (all topics, or the ones named)."""
    last: Exception = ConnectionError(f"no address in {bootstrap!r}")
    for address in bootstrap.split(","):
        try:
            return _metadata_from(address.strip(), topics, timeout)
        except (OSError, struct.error) as exc:
            last = exc
    raise last


def _metadata_from(address: str, topics: Sequence[str] | None, timeout: float) -> ClusterMetadata:
    host, _, port = address.rpartition(":")
    client_id = b"kairos-probe"
    names = [t.encode() for t in topics or ()]
    body = struct.pack(">hhih", 3, 0, 11, len(client_id)) + client_id
    body += struct.pack(">i", len(names)) + b"".join(struct.pack(">h", len(n)) + n for n in names)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(struct.pack(">i", len(body)) + body)
        (size,) = struct.unpack(">i", _recv_exact(s, 4))
        r = _Reader(_recv_exact(s, size))
    if r.take(">i") != 11:
        raise ConnectionError("unexpected correlation id")
    brokers = {}
    for _ in range(r.take(">i")):
        node_id, bhost, bport = r.take(">i"), r.string(), r.take(">i")
        brokers[node_id] = (bhost, bport)
    partitions = []
    for _ in range(r.take(">i")):
        terr, name = r.take(">h"), r.string()
        for _ in range(r.take(">i")):
            perr, pid, leader = r.take(">h"), r.take(">i"), r.take(">i")
            replicas, isr = r.int_array(), r.int_array()
            partitions.append(PartitionInfo(name, pid, leader, replicas, isr, perr or terr))
    return ClusterMetadata(brokers, partitions)


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return buf


def metadata_ok(bootstrap: str, timeout: float = 1.0) -> bool:
    """True if the broker answers Metadata with at least one live broker."""
    return bool(cluster_metadata(bootstrap, (), timeout).brokers)
