"""Absence-sweep benchmark: N overdue, unmarked sessions (4 per enrollment) swept by the
attendance service's real sweep (the consumer-process job's code) on its real schema:
marks, audit rows, rules per enrollment, AbsenceRecorded / MenteeWarned / MenteeReprobated
in the outbox and mails queued, all in the sweep's transactions. Prints the time and
writes a report.

    uv run python bench/sweep_bench.py [--sessions 100000] [--batch 2000] [--replicas 1]
                                       [--concurrency 2]

PostgreSQL comes from DATABASE_URL when set, else a private one is started (and stopped)
in a temp folder. Target: 100,000 sessions in <= 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import ROOT, cpu_seconds, report_path
from sqlalchemy import text

from kairos_attendance.adapters.orm import sessions, standings
from kairos_attendance.bootstrap import bootstrap
from kairos_attendance.service_layer.context import context_of
from kairos_attendance.service_layer.sweep import sweep
from kairos_attendance.settings import AttendanceSettings
from kairos_localstack.postgres import PostgresServer, create_database
from kairos_platform.migrations import upgrade
from kairos_platform.service import Service

PER_ENROLLMENT = 4
FIRST = datetime(2030, 1, 7, 17, tzinfo=UTC)
NOW = FIRST + timedelta(weeks=PER_ENROLLMENT + 1)  # every session ended long ago


def _rows(n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``n`` sessions and their enrollments (standings), as booking's events would leave them."""
    session_rows, standing_rows = [], []
    for i in range(0, n, PER_ENROLLMENT):
        who = {
            "enrollment_id": uuid.uuid4(), "subscription_id": uuid.uuid4(),
            "offering_id": uuid.uuid4(), "provider_id": uuid.uuid4(),
            "provider_user_id": uuid.uuid4(), "provider_email": f"mentor{i}@example.org",
            "provider_name": "Ada", "mentee_user_id": uuid.uuid4(),
            "mentee_email": f"mentee{i}@example.org", "mentee_name": f"Mentee {i}",
        }  # fmt: skip
        standing_rows.append(who)
        cycle = {"cycle_number": 1, "cycle_starts_at": FIRST - timedelta(days=1)}
        cycle["cycle_ends_at"] = FIRST + timedelta(weeks=PER_ENROLLMENT)
        for week in range(min(PER_ENROLLMENT, n - i)):
            start = FIRST + timedelta(weeks=week, minutes=i % 600)
            session_rows.append(
                who | cycle | {
                    "booking_id": uuid.uuid4(), "sequence": 0, "status": "confirmed",
                    "title": "Weekly mentoring", "time_zone": "Europe/Madrid",
                    "starts_at": start, "ends_at": start + timedelta(hours=1),
                }
            )  # fmt: skip
    return session_rows, standing_rows


async def preload(service: Service, n: int) -> None:
    session_rows, standing_rows = _rows(n)
    async with service.engine.begin() as conn:
        for table, rows in ((standings, standing_rows), (sessions, session_rows)):
            for i in range(0, len(rows), 5000):
                await conn.execute(table.insert(), rows[i : i + 5000])
    async with service.engine.connect() as conn:
        await conn.execute(text("COMMIT"))
        await conn.execute(text("VACUUM ANALYZE sessions"))
        await conn.execute(text("VACUUM ANALYZE standings"))


async def counts(service: Service) -> dict[str, int]:
    queries = {
        "sessions marked absent": "SELECT count(*) FROM sessions WHERE attended IS false",
        "sessions left unmarked": "SELECT count(*) FROM sessions WHERE attended IS NULL",
        "audit rows": "SELECT count(*) FROM attendance_audit",
        "AbsenceRecorded": "SELECT count(*) FROM outbox WHERE event_type = 'AbsenceRecorded'",
        "MenteeWarned": "SELECT count(*) FROM outbox WHERE event_type = 'MenteeWarned'",
        "MenteeReprobated": "SELECT count(*) FROM outbox WHERE event_type = 'MenteeReprobated'",
        "mails queued": "SELECT count(*) FROM email_outbox",
    }
    async with service.engine.connect() as conn:
        return {k: int((await conn.execute(text(q))).scalar_one()) for k, q in queries.items()}


def server_cpu_s(data_dir: Path | None) -> float | None:
    """CPU seconds used so far by the private cluster's processes (postmaster and its
    children, from /proc); None for an external server. With other work on the machine,
    CPU seconds say more about the sweep's cost than wall time does."""
    if data_dir is None or not (data_dir / "postmaster.pid").exists():
        return None
    root = int((data_dir / "postmaster.pid").read_text().split()[0])
    return cpu_seconds({"postgres": root}).get("postgres", 0.0)


def _service(url: str, batch: int, concurrency: int) -> Service:
    conf = AttendanceSettings(
        SERVICE_NAME="attendance", DATABASE_URL=url, SWEEP_BATCH_SIZE=batch,
        SWEEP_CONCURRENCY=concurrency,
    )  # fmt: skip
    return bootstrap(conf, clock=lambda: NOW)


async def worker(url: str, batch: int, concurrency: int) -> None:
    """One replica: a process of its own (as the consumer process would be). Says ready,
    waits for "go" on stdin, sweeps, prints what it marked and its own CPU time, and keeps
    its connection until "bye" (its server backend's CPU is read from /proc meanwhile)."""
    service = _service(url, batch, concurrency)
    async with contextlib.AsyncExitStack() as stack:  # the pool's connections exist before "go"
        for _ in range(concurrency):
            conn = await stack.enter_async_context(service.engine.connect())
            await conn.execute(text("SELECT 1"))
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    cpu0 = time.process_time()
    marked = await sweep(service.uow_factory, context_of(service))
    print(json.dumps({"marked": marked, "cpu_s": time.process_time() - cpu0}), flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # keep the backend until the parent read its CPU
    await service.engine.dispose()


async def start_sweepers(url: str, args: argparse.Namespace) -> list[asyncio.subprocess.Process]:
    """``--replicas`` worker processes, each connected and waiting for "go"."""
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--worker", url, "--batch", str(args.batch),
            "--concurrency", str(args.concurrency),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(args.replicas)
    ]  # fmt: skip
    for p in procs:  # start-up (imports, connecting) is not sweeping
        assert p.stdout is not None and (await p.stdout.readline()).strip() == b"ready"
    return procs


async def sweep_all(
    procs: list[asyncio.subprocess.Process], data_dir: Path | None
) -> tuple[float, list[dict[str, Any]], float | None]:
    """ "go" to every sweeper; returns the seconds until the last one is done, what each
    reported, and PostgreSQL's CPU seconds meanwhile (None for an external server)."""
    started, pg0 = time.perf_counter(), server_cpu_s(data_dir)
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(b"go\n")
        await p.stdin.drain()
    results = []
    for p in procs:
        assert p.stdout is not None
        results.append(json.loads(await p.stdout.readline()))
    elapsed = time.perf_counter() - started
    pg1 = server_cpu_s(data_dir)  # before the workers disconnect (backends exit)
    pg_cpu = pg1 - pg0 if pg0 is not None and pg1 is not None else None
    for p in procs:
        await p.communicate(b"bye\n")
    return elapsed, results, pg_cpu


async def run(url: str, args: argparse.Namespace) -> tuple[float, dict[str, int]]:
    service = _service(url, args.batch, args.concurrency)
    await asyncio.to_thread(upgrade, service.migrations, service.settings.sqlalchemy_url)
    await preload(service, args.sessions)
    procs = await start_sweepers(url, args)
    args.load_at_start = os.getloadavg()
    elapsed, results, pg_cpu = await sweep_all(procs, args.data_dir)
    found = await counts(service)
    found["marked, per replica"] = [r["marked"] for r in results]  # type: ignore[assignment]
    found["CPU ms, Python (all replicas)"] = round(sum(r["cpu_s"] for r in results) * 1000)
    if pg_cpu is not None:
        found["CPU ms, PostgreSQL (all backends)"] = round(pg_cpu * 1000)
    await service.engine.dispose()
    return elapsed, found


def write_report(
    folder: Path, args: argparse.Namespace, secs: float, found: dict[str, int]
) -> Path:
    import sqlalchemy

    path = report_path(folder, "sweep")
    stamp = path.stem.removeprefix("sweep-")
    lines = "\n".join(f"| {k} | {v} |" for k, v in found.items())
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    load0 = " / ".join(f"{x:.2f}" for x in args.load_at_start)
    if args.sessions < 100_000:
        verdict = "not applicable: fewer sessions"
    else:
        verdict = "met" if secs * 100_000 / args.sessions <= 30 else "not met"
    path.write_text(f"""# Absence sweep benchmark ({stamp})

Machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores (load average 1/5/15 min
at "go": {load0}, at the end: {load}; other work shares the machine), Python {platform.python_version()},
SQLAlchemy {sqlalchemy.__version__}; PostgreSQL {"from DATABASE_URL" if os.environ.get("DATABASE_URL") else "private local cluster"}.
Settings: {args.sessions} overdue unmarked sessions, {PER_ENROLLMENT} per enrollment,
batch {args.batch} per transaction, {args.replicas} sweeper process(es) running at once
(each one a replica, as the consumer processes would be), each keeping {args.concurrency}
batch(es) in flight (SWEEP_CONCURRENCY); timed from "go" to the last one done, start-up
excluded.

**{args.sessions} sessions swept in {secs:.2f} s = {args.sessions / secs:.0f} sessions/s**
(target 100,000 in <= 30 s: {verdict}).

Each batch is one transaction: claim-and-mark (UPDATE over a SKIP LOCKED subselect), audit
rows, enrollments locked in id order, the rules judged per enrollment, notices, outbox rows
(one set-based insert: `UnitOfWork.emit_many`) and queued mails (template + values; rendered
and sent by the mail job afterwards, not here). CPU per session: Python
{found.get("CPU ms, Python (all replicas)", 0) * 1000 / args.sessions:.0f} us, PostgreSQL
{found.get("CPU ms, PostgreSQL (all backends)", 0) * 1000 / args.sessions:.0f} us.

| what | count |
|---|---|
{lines}
""")
    return path


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--replicas", type=int, default=1)
    ap.add_argument(
        "--concurrency", type=int, default=AttendanceSettings.model_fields["sweep_concurrency"].default,
        help="batches in flight per sweeper process (SWEEP_CONCURRENCY)",
    )  # fmt: skip
    ap.add_argument("--reports", default=str(ROOT / "reports"))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        await worker(args.worker, args.batch, args.concurrency)
        return
    tmp = Path(tempfile.mkdtemp(prefix="kairos-sweep-bench-"))
    external = os.environ.get("DATABASE_URL")
    pg = PostgresServer.external(external) if external else PostgresServer(tmp / "pg")
    args.data_dir = None if external else pg.data_dir
    pg.start()
    try:
        db = await create_database(pg.url(), f"bench_sweep_{uuid.uuid4().hex[:6]}")
        secs, found = await run(db, args)
    finally:
        if not pg.is_external:
            pg.stop()
    print(f"sweep: {args.sessions} sessions in {secs:.2f}s = {args.sessions / secs:.0f}/s")
    print(f"  load average (1/5/15 min) at go: {args.load_at_start}, at the end: {os.getloadavg()}")
    for k, v in found.items():
        print(f"  {k}: {v}")
    print(f"report: {write_report(Path(args.reports), args, secs, found)}")


if __name__ == "__main__":
    asyncio.run(main())
