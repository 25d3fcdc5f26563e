"""<data>/state.json: what `kairos-stack up` started, so `down` and `status` can find it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kairos_localstack.proc import pid_alive, signal_group, start_ticks, wait_groups_gone

# Stopped last, after everything that talks to them (a Kafka cluster's nodes: kafka-<id>).
INFRASTRUCTURE = frozenset({"postgres", "kafka", "localstripe", "radicale", "smtp"})


def is_infrastructure(name: str) -> bool:
    return name in INFRASTRUCTURE or name.startswith("kafka-")


@dataclass
class ProcessRecord:
    name: str
    pid: int
    port: int | None
    log: str | None
    stop_signal: str = "SIGTERM"  # postgres wants SIGINT (fast shutdown)
    # Start time of the pid when recorded: a stale state file must not make us signal an
    # unrelated process that reused the pid.
    started: int | None = None

    @property
    def alive(self) -> bool:
        if not pid_alive(self.pid):
            return False
        return self.started is None or start_ticks(self.pid) == self.started


@dataclass
class StackState:
    data_dir: str
    gateway_url: str | None = None
    processes: list[ProcessRecord] = field(default_factory=list)
    endpoints: dict[str, Any] = field(default_factory=dict)
    services: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return Path(self.data_dir) / "state.json"

    def save(self) -> None:
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True))
        os.replace(tmp, self.path)  # readers never see a half-written file

    @classmethod
    def load(cls, data_dir: Path) -> StackState | None:
        path = Path(data_dir) / "state.json"
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        procs = [ProcessRecord(**p) for p in raw.pop("processes", [])]
        return cls(processes=procs, **raw)

    def any_alive(self) -> bool:
        return any(p.alive for p in self.processes)

    def stop_all(
        self, timeout: float = 15.0, children: dict[int, subprocess.Popen[bytes]] | None = None
    ) -> None:
        """Stop every recorded process: first all the rest at once, then the infrastructure
        (so services can close their connections before PostgreSQL and the broker go away).

        children: Popen objects of processes this Python process started, so they are reaped.
        """
        children = children or {}
        late = [r for r in self.processes if is_infrastructure(r.name)]
        early = [r for r in self.processes if not is_infrastructure(r.name)]
        for phase in (early, late):
            live = [r for r in phase if r.alive]
            for rec in live:
                signal_group(rec.pid, signal.Signals[rec.stop_signal])
            pids = [r.pid for r in live]
            wait_groups_gone(pids, timeout, {p: children[p] for p in pids if p in children})
