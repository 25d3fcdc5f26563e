"""In-process probes of booking's consumer path: the same Dispatcher, unit of work and handlers
as the consumer process, fed records directly (no broker), each on a fresh copy of a
template database. They say where the time goes: statements per event, one record at a
time against batches as the process takes them, and a cProfile of the per-record path.
"""

from __future__ import annotations

import collections
import cProfile
import io
import pstats
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchlib import Stack, table
from booking_data import batch_records, count, count_statements, records_of, service_for

from kairos_contracts import Envelope
from kairos_platform.messaging.consumer import Record
from kairos_platform.runtime import build_dispatcher
from kairos_platform.service import Service

Runner = Callable[[Service, list[Record]], Awaitable[None]]


async def run_sequential(service: Service, records: list[Record]) -> None:
    dispatcher = build_dispatcher(service)
    for r in records:
        await dispatcher.handle(r)


def run_handle_batch(k: int) -> Runner:
    """What the consumer process does with each fetched batch of K records: the
    Dispatcher's ``handle_batch`` (PaymentVerified runs through booking's batch handler)."""

    async def run(service: Service, records: list[Record]) -> None:
        dispatcher = build_dispatcher(service)
        for i in range(0, len(records), k):
            await dispatcher.handle_batch(records[i : i + k])

    return run


async def probe(
    stack: Stack,
    template: str,
    envelopes: list[Envelope],
    name: str,
    runner: Runner,
    *,
    profile: bool = False,
) -> dict[str, Any]:
    db = await stack.clone(template, "bench_probe")
    service = service_for(db, pool_size=10, max_overflow=10, pool_pre_ping=True)
    statements = count_statements(service.engine)
    records = records_of(envelopes)
    profiler = cProfile.Profile() if profile else None
    seconds = await _timed(runner(service, records), profiler)
    await service.engine.dispose()
    result = await _outcome(db, name, len(records), seconds, statements)
    result["profile"] = profiler
    print(
        f"probe {name}: {result['decided']}/{result['events']} in {seconds:.2f}s = "
        f"{result['rate']:.0f}/s, {result['ms_per_event']:.2f} ms/event, "
        f"{result['statements']:.1f} SQL statements/event (through SQLAlchemy), "
        f"{result['booked']} bookings, {result['confirmed']} BookingConfirmed in the outbox"
    )
    return result


async def _timed(work: Awaitable[None], profiler: cProfile.Profile | None) -> float:
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    try:
        await work
    finally:
        if profiler:
            profiler.disable()
    return time.perf_counter() - started


async def _outcome(
    db: str, name: str, n: int, seconds: float, statements: collections.Counter[str]
) -> dict[str, Any]:
    decided = await count(db, "SELECT count(*) FROM payment_decisions")
    return {
        "name": name,
        "events": n,
        "decided": decided,
        "booked": await count(db, "SELECT count(*) FROM bookings WHERE status = 'confirmed'"),
        "confirmed": await count(
            db, "SELECT count(*) FROM outbox WHERE event_type = 'BookingConfirmed'"
        ),
        "rate": decided / seconds,
        "ms_per_event": 1000 * seconds / n,
        "statements": sum(statements.values()) / n,
        "by_kind": {k: v / n for k, v in statements.most_common()},
        "seconds": seconds,
    }


async def consumer_probes(
    stack: Stack, template: str, sample: list[Envelope]
) -> list[dict[str, Any]]:
    """One record at a time (the baseline), batches as the process takes them, and the
    per-record path under cProfile."""
    k = batch_records()
    return [
        await probe(
            stack, template, sample, "Dispatcher.handle, one record at a time", run_sequential
        ),
        await probe(
            stack,
            template,
            sample,
            f"Dispatcher.handle_batch, {k} per batch (as the process: batch handler)",
            run_handle_batch(k),
        ),
        await probe(
            stack,
            template,
            sample,
            "Dispatcher.handle under cProfile",
            run_sequential,
            profile=True,
        ),
    ]


def probes_section(probes: list[dict[str, Any]]) -> list[str]:
    base = probes[0]["rate"]
    rows = [
        (
            p["name"],
            p["events"],
            f"{p['rate']:.0f}",
            f"{p['rate'] / base:.2f}x",
            f"{p['ms_per_event']:.2f}",
            f"{p['statements']:.1f}",
            f"{p['booked']} / {p['confirmed']}",
        )
        for p in probes
    ]
    header: tuple[str, ...] = ("probe", "events", "events/s", "vs sequential", "ms/event")
    header += ("SQL statements/event", "bookings / BookingConfirmed")
    kinds = ", ".join(f"{k} {v:.1f}" for k, v in probes[0]["by_kind"].items())
    out = [
        "\n### Where the time goes\n",
        "In-process probes: the same `build_dispatcher(service)`, unit of work and handler as the "
        "process, records handed over directly (no broker), each on a fresh copy of the template.\n",
        table(header, rows),
        f"\nStatements per event through SQLAlchemy (sequential; BEGIN, COMMIT and the pool's "
        f"pre-ping come on top): {kinds}.\n",
    ]
    profiled = next((p for p in probes if p["profile"] is not None), None)
    if profiled:
        out += [
            "\ncProfile of the sequential Dispatcher run:\n\n",
            profile_summary(profiled["profile"], profiled["seconds"]),
        ]
    return out


def profile_summary(profiler: cProfile.Profile, wall: float, top: int = 15) -> str:
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    idle = sum(v[2] for k, v in raw.items() if k[2] in ("poll", "select") or "epoll" in k[2])
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)
    lines = [
        (
            f"`{k[2]}` ({Path(k[0]).parent.name}/{Path(k[0]).name}:{k[1]})",
            v[1],
            f"{v[2]:.2f}",
            f"{100 * v[2] / wall:.1f}%",
        )
        for k, v in rows[:top]
    ]
    by_pkg: collections.Counter[str] = collections.Counter()
    for k, v in raw.items():
        by_pkg[_package(k[0], k[2])] += v[2]
    pkg_rows = [
        (name, f"{sec:.2f}", f"{100 * sec / wall:.0f}%") for name, sec in by_pkg.most_common(10)
    ]
    return (
        "Self time summed by where the code lives:\n\n"
        + table(("code", "self s", "share of wall"), pkg_rows)
        + f"\nWall {wall:.2f} s; waiting in epoll (the database answering, the loop idle): "
        f"{idle:.2f} s = {100 * idle / wall:.0f}%; the rest is Python on the one core the process gets.\n\n"
        + table(("function (self time)", "calls", "self s", "share of wall"), lines)
    )


_PACKAGES = (
    "sqlalchemy",
    "asyncpg",
    "pydantic",
    "kairos_platform",
    "kairos_booking",
    "kairos_contracts",
    "asyncio",
    "greenlet",
    "uuid",
    "json",
    "logging",
)


def _package(path: str, func: str) -> str:
    """Where a profiled function lives: its package, or the kind of built-in."""
    if path == "~":
        wire = "send" in func or "recv" in func or "poll" in func
        return f"built-in: {func[:60]}" if wire else "built-ins (other)"
    for p in _PACKAGES:
        if f"/{p}/" in path or path.endswith(f"/{p}.py") or f"{p}/" in path:
            return p
    return "other: " + Path(path).name
