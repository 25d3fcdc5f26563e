"""Shared plumbing for the benchmarks under bench/: the local stack (or the servers named by
DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS), databases cloned from a template, service
processes started and stopped by pid, percentiles and the machine header of a report.

Only loopback addresses are used for what we start; every child is a session leader
(``kairos_localstack.proc.spawn``) and is stopped by its own pid, even on failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from kairos_localstack.kafka import ApacheKafka, ensure_topics
from kairos_localstack.postgres import PostgresServer, create_database, db_url
from kairos_localstack.proc import spawn, stop_group
from kairos_platform.migrations import upgrade

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each named process and its descendants
    (PostgreSQL's backends under the postmaster, uvicorn's workers under their parent), from
    ``/proc``; ``bench`` is this process. Two snapshots give where the CPU of a phase went."""
    parent_of: dict[int, int] = {}
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent_of[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    owner = {pid: name for name, pid in roots.items()} | {os.getpid(): "bench"}
    out: dict[str, float] = defaultdict(float)
    for pid, seconds in used.items():
        walk = pid
        while walk in parent_of and walk not in owner:
            walk = parent_of[walk]
        if walk in owner:
            out[owner[walk]] += seconds
    return dict(out)


def plain(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def async_url(url: str) -> str:
    return "postgresql+asyncpg://" + url.split("://", 1)[1]


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], timeout: float, what: str, every: float = 0.05
) -> float:
    """Poll ``predicate`` until true (returns the time it was seen) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return time.time()
        await asyncio.sleep(every)
    raise TimeoutError(f"{what} not reached within {timeout:.0f}s")


class Stack:
    """PostgreSQL plus Apache Kafka, started here unless given by the env.

    ``fresh_broker()`` replaces a local broker by a new empty one (a new data dir), so each
    run starts with empty topics and no consumer-group offsets; an external broker is kept
    (it should then be dedicated to the benchmark: the consumer joins group ``booking``).
    """

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        external = os.environ.get("DATABASE_URL")
        self.pg = PostgresServer.external(external) if external else PostgresServer(tmp / "pg")
        self.kafka = ApacheKafka.from_env(tmp / "kafka.log", tmp / "kafka")
        self.children: list[subprocess.Popen[bytes]] = []
        self.databases: list[str] = []

    def start(self) -> None:
        self.pg.start()
        self.kafka.start()

    def fresh_broker(self) -> None:
        if self.kafka.is_external:
            return
        self.kafka.stop()
        run = uuid.uuid4().hex[:4]
        self.kafka = ApacheKafka(self.tmp / f"kafka-{run}", log_file=self.tmp / f"kafka-{run}.log")
        self.kafka.start()

    async def topics(self, names: list[str], partitions: int) -> None:
        await ensure_topics(self.kafka.bootstrap, names, partitions=partitions)

    async def migrated_database(self, prefix: str, migrations: Path) -> str:
        """A new database with the service's migrations applied; returns its plain URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:6]}"
        url = await create_database(self.pg.url(), name)
        self.databases.append(name)
        await asyncio.to_thread(upgrade, migrations, async_url(url))
        return url

    async def clone(self, template_url: str, prefix: str) -> str:
        """A copy of a database (nobody may be connected to the template meanwhile)."""
        name = f"{prefix}_{uuid.uuid4().hex[:6]}"
        template = template_url.rsplit("/", 1)[1]
        conn = await asyncpg.connect(self.pg.url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()
        self.databases.append(name)
        return db_url(self.pg.url(), name)

    def service_process(
        self, module: str, process: str, database: str, log: Path, **env: str
    ) -> subprocess.Popen[bytes]:
        """``python -m <module> <process>`` against ``database`` and our broker."""
        full = {
            **os.environ,
            "DATABASE_URL": database,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap,
            "SERVICE_NAME": module.removeprefix("kairos_"),
            "HTTP_HOST": "127.0.0.1",
            "METRICS_PORT": "0",
            "LOG_JSON": "true",
            **env,
        }
        proc = spawn([sys.executable, "-m", module, process], log, env=full)
        self.children.append(proc)
        return proc

    def stop_process(self, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
        """SIGTERM the child's process group (by its pid), SIGKILL after ``timeout``."""
        if proc.poll() is None:
            stop_group(proc.pid, timeout=timeout, proc=proc)
        if proc in self.children:
            self.children.remove(proc)

    async def drop_databases(self) -> None:
        if not self.pg.is_external:
            return  # the private cluster goes away with its folder
        conn = await asyncpg.connect(self.pg.url())
        try:
            for name in self.databases:
                with contextlib.suppress(Exception):
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def stop(self) -> None:
        for proc in list(self.children):
            with contextlib.suppress(Exception):
                self.stop_process(proc)
        with contextlib.suppress(Exception):
            self.kafka.stop()
        if not self.pg.is_external:
            with contextlib.suppress(Exception):
                self.pg.stop()


def terminate_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so ``finally`` blocks stop what we started."""

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


async def wait_for_log(
    log: Path, text: str, proc: subprocess.Popen[bytes], timeout: float, every: float = 0.02
) -> float:
    """Wait until ``text`` appears in a child's log (returns when it was seen); fail early
    if the child died."""

    async def seen() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited ({proc.returncode}); see {log}")
        return log.exists() and text in log.read_text(errors="replace")

    return await wait_until(seen, timeout, f"{text!r} in {log}", every=every)


def cpu_probe_ms(rounds: int = 5) -> float:
    """The machine's speed of the moment for one Python process: ms for a fixed mix of
    what the services do (JSON both ways, hashing, dict and string work), the best of
    ``rounds``. Compare runs made on different days or machines by it."""
    import hashlib
    import json

    doc = {"id": "00000000-0000-0000-0000-000000000000", "n": list(range(50)), "s": "x" * 200}
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(3000):
            raw = json.dumps({**doc, "i": i})
            hashlib.sha256(raw.encode()).hexdigest()
            json.loads(raw)["n"].index(49)
            "-".join(str(k) for k in range(20)).split("-")
        best = min(best, time.perf_counter() - started)
    return best * 1000


def machine_header(settings: str) -> str:
    import aiokafka
    import asyncpg as apg
    import fastapi
    import sqlalchemy

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    rev = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return (
        f"Machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores "
        f"(**shared** with other engineers' test runs: load average at report time {load}), "
        f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"asyncpg {apg.__version__}, aiokafka {aiokafka.__version__}, FastAPI {fastapi.__version__}; "
        f"PostgreSQL {'external' if os.environ.get('DATABASE_URL') else 'private local cluster (fsync off)'}, "
        f"broker {os.environ.get('KAFKA_BOOTSTRAP_SERVERS') or 'local Apache Kafka (one node)'}.\n"
        f"CPU probe (`benchlib.cpu_probe_ms`, lower is faster): {cpu_probe_ms():.0f} ms at report time.\n"
        f"Code measured: `{rev or 'unknown'}` (the working tree the command ran in).\n"
        f"Settings: {settings}\n"
    )


def report_path(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"{name}-{stamp}.md"


def table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
