"""Prometheus on demand for the local stack (``kairos-stack up --prometheus``).

The ``prometheus`` server of Debian's package, unpacked into the cache by
:mod:`kairos_localstack.promtool_dist` (never installed), run as one more child of the
stack on ``127.0.0.1:<free port>``, with everything under ``<home>`` (the stack's
``<data>/prometheus``):

``prometheus.yml``  generated at each start (JSON, which is YAML): scrape every 5 s, and
                    the rule files of deploy/monitoring
``targets.json``    the processes to scrape (file service discovery: rewritten when the
                    stack adds a replica, Prometheus picks it up without a restart)
``data/``           the time-series database (7 days kept)

Each target is a process's ``/metrics`` (``<service>-http`` on its HTTP port, consumers and
relays on their metrics port) labelled ``process`` and ``role``; the series keep the
``service`` label the process gives them (no target label is called ``service``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from kairos_localstack.child import ChildServer
from kairos_localstack.promtool_dist import PrometheusDist

SCRAPE_INTERVAL = "5s"
RETENTION = "7d"
#: the job of every Kairos process (Prometheus scrapes itself as job "prometheus")
JOB = "kairos"


@dataclass(frozen=True)
class ScrapeTarget:
    process: str  # the stack's process name: booking-http, payments-relay-2...
    role: str  # http, consumer, relay
    port: int

    def file_sd(self) -> dict[str, object]:
        return {
            "targets": [f"127.0.0.1:{self.port}"],
            "labels": {"process": self.process, "role": self.role},
        }


def targets_file(home: Path) -> Path:
    """Where the server with that home reads its scrape targets."""
    return Path(home) / "targets.json"


def write_targets(path: Path, targets: Sequence[ScrapeTarget]) -> None:
    """The file service discovery list, replaced atomically (Prometheus watches it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps([t.file_sd() for t in targets], indent=2))
    os.replace(tmp, path)


def config(port: int, targets_file: Path, rule_files: Sequence[Path]) -> dict[str, object]:
    return {
        "global": {
            "scrape_interval": SCRAPE_INTERVAL,
            "scrape_timeout": "4s",
            "evaluation_interval": SCRAPE_INTERVAL,
        },
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [
            {
                "job_name": JOB,
                "metrics_path": "/metrics",
                "file_sd_configs": [{"files": [str(targets_file)], "refresh_interval": "5s"}],
            },
            {"job_name": "prometheus", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]},
        ],
    }


class PrometheusServer(ChildServer):
    label = "prometheus"

    def __init__(
        self,
        dist: PrometheusDist,
        home: Path,
        targets: Sequence[ScrapeTarget],
        rule_files: Sequence[Path] = (),
        port: int | None = None,
        log_file: Path | None = None,
    ) -> None:
        super().__init__(port, log_file)
        self.dist = dist
        self.home = Path(home)
        self.targets = list(targets)
        self.rule_files = list(rule_files)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def targets_file(self) -> Path:
        return targets_file(self.home)

    def argv(self) -> list[str]:
        assert self.port is not None
        self.home.mkdir(parents=True, exist_ok=True)
        write_targets(self.targets_file, self.targets)
        conf = self.home / "prometheus.yml"
        # JSON is YAML: no YAML writer needed; rewritten at every start
        conf.write_text(json.dumps(config(self.port, self.targets_file, self.rule_files), indent=2))
        return [
            str(self.dist.binary),
            f"--config.file={conf}",
            f"--storage.tsdb.path={self.home / 'data'}",
            f"--storage.tsdb.retention.time={RETENTION}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            *self.dist.asset_flags(),
        ]

    def ready(self) -> bool:
        return httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200
