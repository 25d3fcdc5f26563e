"""Booking benchmarks against the real booking processes (issue 3, "Benchmark").

    uv run python bench/booking_bench.py consumer [--events 20000] [--slots 1000] [--runs 2]
                                                  [--probe-events 3000] [--py-spy]
    uv run python bench/booking_bench.py storm    [--payers 1000] [--capacity 10] [--runs 2]
    uv run python bench/booking_bench.py slots    [--bookings 10000] [--requests 2000]
                                                  [--concurrency 4] [--runs 2] [--http-workers 1]
    uv run python bench/booking_bench.py all      (the three, one report)

* consumer: N PaymentVerified (card, each for a hold placed with booking's own
  ``place_hold``) over S slots are pre-loaded on kairos.payments.payments; then ONE
  ``python -m kairos_booking consumer`` starts and we count decisions (payment_decisions
  rows, committed in the handler's transaction with the booking and its outbox row).
  Then in-process probes on copies of the same database say where the time goes
  (statements per event, cProfile, the batch path in process, and prototypes: no pool
  pre-ping, partitions in parallel, K events per transaction). ``--py-spy`` also samples the consumer process
  (needs ``py-spy`` on PATH, e.g. ``uv tool install py-spy``).
* storm: P payers for one slot of capacity C arrive at once on the topic while one
  consumer process runs: 5 with a live hold, 5% with an unknown hold, the rest with a hold
  they placed and released (they paid while the slot filled). Time until every payment is
  decided; checks 0 oversold and exactly one decision and one outgoing event per payment.
* slots: one offering with B confirmed bookings over its slots of the next 30 days, made
  through the real path (place_hold, then PaymentVerified through the consumer process);
  then ``GET /offerings/{id}/slots`` for 30 days against ``python -m kairos_booking http``,
  at concurrency 1 and at ``--concurrency``.

PostgreSQL and the broker come from DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set (the
broker should then be dedicated to this: the consumer joins group ``booking``), else
private ones are started in a temp folder and stopped at the end, whatever happens.
Prints figures and writes reports/booking-<stamp>.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from benchlib import (
    ROOT,
    Stack,
    async_url,
    cpu_seconds,
    machine_header,
    percentile,
    plain,
    report_path,
    table,
    terminate_on_sigterm,
    wait_for_log,
    wait_until,
)
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import create_async_engine

from kairos_booking.bootstrap import bootstrap
from kairos_booking.domain.model import Minutes, Person
from kairos_booking.service_layer import catalog
from kairos_booking.service_layer.holds import place_hold, release_hold
from kairos_booking.service_layer.slots import list_slots
from kairos_contracts import Envelope
from kairos_contracts.events.payments import PaymentVerified
from kairos_contracts.topics import PAYMENTS_PAYMENTS, SYSTEM
from kairos_localstack.ports import free_port
from kairos_localstack.stack import TOPIC_PARTITIONS
from kairos_platform.auth import Principal
from kairos_platform.messaging.consumer import Record, is_transient
from kairos_platform.runtime import build_dispatcher
from kairos_platform.service import Service
from kairos_platform.settings import ServiceSettings

ADMIN = Principal(uuid.UUID(int=0xAD), frozenset({"admin"}))
HOLD_TTL = timedelta(hours=3)  # the bench must not race the expiry job
ZONE = "Europe/Madrid"
READY = "consumer of booking started"


# --- data through booking's own service layer ---------------------------------------------


@dataclass(frozen=True)
class Payer:
    hold_id: uuid.UUID
    mentee_id: uuid.UUID
    offering_id: uuid.UUID
    starts_at: datetime | None = None


def service_for(url: str, **engine_kw: Any) -> Service:
    settings = ServiceSettings(SERVICE_NAME="booking", DATABASE_URL=async_url(url))
    engine = None
    if engine_kw:
        engine = create_async_engine(settings.sqlalchemy_url, **engine_kw)
    return bootstrap(settings, engine=engine)


async def make_offering(service: Service, capacity: int, n: int = 0) -> uuid.UUID:
    """A provider open 24 h a day (Europe/Madrid) with one 60-minute offering."""
    async with service.uow_factory() as uow:
        provider = await catalog.create_provider(
            uow,
            ADMIN,
            display_name=f"Bench mentor {n}",
            email=f"mentor{n}@example.com",
            time_zone=ZONE,
            user_id=uuid.uuid4(),
        )
    async with service.uow_factory() as uow:
        weekly = {d: (Minutes(0, 24 * 60),) for d in range(7)}
        await catalog.set_weekly_hours(uow, ADMIN, provider.provider_id, weekly)
    async with service.uow_factory() as uow:
        fields = {"title": f"Bench {n}", "duration_min": 60, "price_minor": 5000}
        fields |= {"currency": "EUR", "capacity": capacity, "horizon_days": 62}
        offering = await catalog.create_offering(uow, ADMIN, provider.provider_id, fields)
    return offering.offering_id


async def slot_starts(service: Service, offering_id: uuid.UUID, days: int) -> list[datetime]:
    """The offering's bookable starts over the next ``days`` local days (the slot query)."""
    first = date.today() + timedelta(days=1)
    async with service.uow_factory() as uow:
        _, _, found = await list_slots(uow, offering_id, first, first + timedelta(days=days - 1))
    return [s.starts_at for s in found]


async def bounded(items: Iterable[Any], work: Callable[[Any], Awaitable[Any]], n: int) -> list[Any]:
    """``work`` over ``items`` with at most ``n`` in flight, results in order."""
    sem = asyncio.Semaphore(n)

    async def one(item: Any) -> Any:
        async with sem:
            return await work(item)

    return await asyncio.gather(*(one(i) for i in items))


async def place_holds(
    service: Service, plan: list[tuple[uuid.UUID, datetime]], concurrency: int = 8
) -> list[Payer]:
    """One hold per (offering, start) in ``plan``, each by a new mentee (``place_hold``)."""

    async def one(item: tuple[uuid.UUID, datetime]) -> Payer:
        offering_id, starts_at = item
        mentee = Person(uuid.uuid4(), f"{uuid.uuid4().hex[:8]}@example.com", "Bench mentee")
        for attempt in range(5):
            try:
                async with service.uow_factory() as uow:
                    hold = await place_hold(uow, mentee, offering_id, starts_at, HOLD_TTL)
                return Payer(hold.hold_id, mentee.user_id, offering_id, starts_at)
            except Exception as exc:
                # a transient failure: HTTP answers 503 for it, a client tries again, so do
                # we (concurrent first seats of one provider deadlocked here once, before
                # take_seat kept the lock order provider -> seat row)
                if not is_transient(exc) or attempt == 4:
                    raise
        raise AssertionError("unreachable")

    return await bounded(plan, one, concurrency)


def verified(payer: Payer, payment_id: uuid.UUID | None = None) -> Envelope:
    event = PaymentVerified(
        payment_id=payment_id or uuid.uuid4(),
        method="card",
        mentee_id=payer.mentee_id,
        offering_id=payer.offering_id,
        amount_minor=5000,
        currency="EUR",
        hold_id=payer.hold_id,
        stripe_payment_intent_id=f"pi_{uuid.uuid4().hex[:24]}",
        verified_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="payments")


def payment_id(envelope: Envelope) -> uuid.UUID:
    return uuid.UUID(envelope.data["payment_id"])


async def produce(bootstrap_servers: str, envelopes: list[Envelope]) -> float:
    """Publish with a plain producer (acks=all, as the relay); returns seconds taken."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=30000,
    )
    await producer.start()
    started = time.perf_counter()
    try:
        futures = []
        for e in envelopes:
            headers = [("event_id", str(e.event_id).encode()), ("event_type", e.type.encode())]
            futures.append(
                await producer.send(
                    PAYMENTS_PAYMENTS, value=e.to_json(), key=e.key, headers=headers
                )
            )
        await producer.flush()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def count(url: str, sql: str, *args: Any) -> int:
    conn = await asyncpg.connect(plain(url))
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


@dataclass
class Progress:
    """Decisions counted over time while a consumer process works."""

    ready: float = 0.0
    samples: list[tuple[float, int]] = field(default_factory=list)

    def first(self) -> float:
        return next(t for t, n in self.samples if n > 0)

    def last(self, total: int) -> float:
        return next((t for t, n in self.samples if n >= total), self.samples[-1][0])

    def at(self, n: int) -> float:
        return next(t for t, c in self.samples if c >= n)


async def watch_decisions(
    url: str, total: int, timeout: float, where: str = "", args: tuple[Any, ...] = ()
) -> Progress:
    """Sample ``count(payment_decisions)`` every 50 ms until ``total`` or ``timeout``."""
    progress = Progress()
    conn = await asyncpg.connect(plain(url))
    sql = f"SELECT count(*) FROM payment_decisions {where}"
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            n = int(await conn.fetchval(sql, *args))
            progress.samples.append((time.time(), n))
            if n >= total:
                break
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    return progress


def start_consumer(stack: Stack, db: str, log: Path) -> subprocess.Popen[bytes]:
    return stack.service_process("kairos_booking", "consumer", db, log)


async def fresh_topics(stack: Stack) -> None:
    stack.fresh_broker()
    await stack.topics([PAYMENTS_PAYMENTS, SYSTEM], TOPIC_PARTITIONS)


# --- 1. consumer peak ----------------------------------------------------------------------


async def consumer_template(
    stack: Stack, migrations: Path, events: int, slots: int
) -> tuple[str, list[Payer], float]:
    """A database with S slots over 10 offerings holding N live holds (the template every
    run and probe is cloned from); returns its URL, the payers and holds/s achieved."""
    db = await stack.migrated_database("bench_consumer_tpl", migrations)
    service = service_for(db)
    offerings = 10
    per_slot = -(-events // slots)
    plan: list[tuple[uuid.UUID, datetime]] = []
    for n in range(offerings):
        offering_id = await make_offering(service, per_slot, n)
        starts = (await slot_starts(service, offering_id, 62))[: slots // offerings]
        plan += [(offering_id, s) for s in starts for _ in range(per_slot)]
    plan = plan[:events]
    random.Random(7).shuffle(plan)
    started = time.perf_counter()
    payers = await place_holds(service, plan)
    rate = len(payers) / (time.perf_counter() - started)
    await service.engine.dispose()
    return db, payers, rate


async def consumer_run(
    stack: Stack, template: str, envelopes: list[Envelope], tmp: Path, run: int, py_spy: bool
) -> dict[str, Any]:
    db = await stack.clone(template, "bench_consumer")
    await fresh_topics(stack)
    produce_s = await produce(stack.kafka.bootstrap, envelopes)
    log = tmp / f"consumer-{run}.log"
    proc = start_consumer(stack, db, log)
    spy: subprocess.Popen[bytes] | None = None
    try:
        ready = await wait_for_log(log, READY, proc, 60)
        load_at_go = os.getloadavg()[0]
        total = len(envelopes)
        watch = asyncio.create_task(watch_decisions(db, total, timeout=max(120, total / 50)))
        if py_spy:
            await wait_until(lambda: _any_decision(db), 60, "first decision")
            spy = _start_py_spy(proc.pid, tmp / f"py-spy-{run}.txt", seconds=8)
        progress = await watch
        progress.ready = ready
    finally:
        if spy is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(30)
            if spy.poll() is None:
                spy.kill()
        stack.stop_process(proc)
    decided = progress.samples[-1][1]
    bookings = await count(db, "SELECT count(*) FROM bookings WHERE status = 'confirmed'")
    confirmed = await count(db, "SELECT count(*) FROM outbox WHERE event_type = 'BookingConfirmed'")
    conn = await asyncpg.connect(plain(db))
    try:
        lo, hi = await conn.fetchrow(
            "SELECT min(created_at), max(created_at) FROM payment_decisions"
        )
    finally:
        await conn.close()
    t_first, t_last = progress.first(), progress.last(total)
    mid_a, mid_b = (
        (progress.at(total // 10), progress.at(total * 9 // 10))
        if decided >= total
        else (t_first, t_last)
    )
    result = {
        "run": run,
        "decided": decided,
        "bookings": bookings,
        "confirmed_events": confirmed,
        "produce_s": produce_s,
        "join_s": t_first - ready,
        "ready_to_last": decided / (t_last - ready),
        "first_to_last": decided / max(t_last - t_first, 1e-9),
        "middle_80": (total * 8 // 10) / max(mid_b - mid_a, 1e-9),
        "db_span": decided / max((hi - lo).total_seconds(), 1e-9),
        "load": (load_at_go, os.getloadavg()[0]),
        "py_spy": (tmp / f"py-spy-{run}.txt") if py_spy else None,
    }
    print(
        f"consumer run {run}: {decided}/{total} decided, {bookings} bookings, "
        f"{confirmed} BookingConfirmed; {result['first_to_last']:.0f} events/s first->last decision "
        f"({result['middle_80']:.0f}/s over the middle 80%, {result['ready_to_last']:.0f}/s from "
        f"process ready incl. {result['join_s']:.1f}s group join); load average "
        f"{result['load'][0]:.2f} at go, {result['load'][1]:.2f} at the end"
    )
    return result


async def _any_decision(db: str) -> bool:
    return await count(db, "SELECT count(*) FROM (SELECT 1 FROM payment_decisions LIMIT 1) x") > 0


def _start_py_spy(pid: int, out: Path, seconds: int) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path.home() / ".local/bin"))
    if exe is None:
        print("py-spy not on PATH: skipping the sampling profile (uv tool install py-spy)")
        return None
    argv = [exe, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200"]
    argv += ["--format", "raw", "--output", str(out), "--nonblocking"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def py_spy_summary(path: Path, top: int = 18) -> str:
    """Inclusive share of samples per frame of interest, from py-spy's collapsed stacks."""
    if not path.exists():
        return "_no py-spy samples (py-spy missing or not permitted)_\n"
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        frames = stack.split(";")
        total += int(n)
        leaf[_frame(frames[-1])] += int(n)
        for name in {_frame(f) for f in frames}:
            inclusive[name] += int(n)
    if total == 0:
        return "_py-spy recorded nothing_\n"
    # keep the layers that do the work, not the event loop's trunk or the framework's calls
    keep = ("kairos_", "sqlalchemy/", "asyncpg/", "pydantic", "json", "uuid", "send", "write")
    trunk = ("main (", "<module> (")
    interesting = [
        (k, v)
        for k, v in inclusive.most_common()
        if any(p in k for p in keep) and not k.startswith(trunk)
    ][:top]
    rows = [(f"`{k}`", f"{100 * v / total:.1f}%") for k, v in interesting]
    leaves = [(f"`{k}`", f"{100 * v / total:.1f}%") for k, v in leaf.most_common(12)]
    return (
        f"{total} samples at 200 Hz. Inclusive (a frame anywhere on the stack):\n\n"
        + table(("frame", "share of samples"), rows)
        + "\nSelf (leaf frame):\n\n"
        + table(("frame", "share of samples"), leaves)
    )


def _package(path: str, func: str) -> str:
    if path == "~":
        return (
            f"built-in: {func[:60]}"
            if ("send" in func or "recv" in func or "poll" in func)
            else "built-ins (other)"
        )
    for p in (
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
    ):
        if f"/{p}/" in path or path.endswith(f"/{p}.py") or f"{p}/" in path:
            return p
    return "other: " + Path(path).name


def _frame(raw: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py)"
    name, _, where = raw.partition(" (")
    file = where.rsplit("/", 1)[-1].split(":", 1)[0].rstrip(")")
    pkg = ""
    for p in (
        "kairos_platform",
        "kairos_booking",
        "sqlalchemy",
        "asyncpg",
        "pydantic",
        "faststream",
        "aiokafka",
        "asyncio",
    ):
        if f"{p}/" in where:
            pkg = p + "/"
    return f"{name} ({pkg}{file})"


# In-process probes: the same handler, unit of work and Dispatcher as the process, fed
# records directly (no broker), on a fresh copy of the template each.


def records_of(envelopes: list[Envelope]) -> list[Record]:
    return [
        Record(
            PAYMENTS_PAYMENTS,
            zlib.crc32(e.key) % TOPIC_PARTITIONS,
            i,
            e.key,
            e.to_json(),
        )
        for i, e in enumerate(envelopes)
    ]


async def run_sequential(service: Service, records: list[Record]) -> None:
    dispatcher = build_dispatcher(service)
    for r in records:
        await dispatcher.handle(r)


def run_handle_batch(k: int) -> Callable[[Service, list[Record]], Awaitable[None]]:
    """What the consumer process does with each fetched batch of K records: the
    Dispatcher's ``handle_batch`` (PaymentVerified runs through booking's batch handler)."""

    async def run(service: Service, records: list[Record]) -> None:
        dispatcher = build_dispatcher(service)
        for i in range(0, len(records), k):
            await dispatcher.handle_batch(records[i : i + k])

    return run


async def run_lanes(service: Service, records: list[Record]) -> None:
    """One sequential lane per partition, lanes concurrent (in-process partition parallelism)."""
    lanes: dict[int, list[Record]] = collections.defaultdict(list)
    for r in records:
        lanes[r.partition].append(r)
    await asyncio.gather(*(run_sequential(service, lane) for lane in lanes.values()))


def run_batched(k: int, savepoints: bool) -> Callable[[Service, list[Record]], Awaitable[None]]:
    """Prototype: K records per transaction (inbox claim + handler for each, one commit)."""

    async def run(service: Service, records: list[Record]) -> None:
        dispatcher = build_dispatcher(service)
        handlers = {(c.TYPE, c.VERSION): (c, h) for c, h in service.handlers.items()}
        for i in range(0, len(records), k):
            async with service.uow_factory() as uow:
                for r in records[i : i + k]:
                    envelope = Envelope.model_validate_json(r.value)
                    cls, handler = handlers[(envelope.type, envelope.version)]
                    payload = cls.model_validate(envelope.data)
                    uow.caused_by(envelope)
                    if savepoints:
                        async with uow.session.begin_nested():
                            if await uow.claim_inbox(dispatcher.consumer, envelope):
                                await handler(payload, envelope, uow)
                    elif await uow.claim_inbox(dispatcher.consumer, envelope):
                        await handler(payload, envelope, uow)
                await uow.commit()

    return run


def run_set_based(k: int) -> Callable[[Service, list[Record]], Awaitable[None]]:
    """Prototype of a set-based handler (happy path only: every hold held by its payer).

    K records per transaction in a fixed number of statements (raw asyncpg): claim K inbox
    rows, read K decisions, lock K holds, read their offerings/providers/people, convert K
    holds, insert K decisions, K bookings (the insert guard's set_config evaluated per row
    in the INSERT ... SELECT) and K outbox rows. The events are built by the same contract
    models as the handler. Not a drop-in: rejections, released holds and seat taking would
    need their own set-based paths; this measures the ceiling of the approach.
    """
    from dataclasses import fields as dc_fields

    from kairos_booking.domain.model import Provider
    from kairos_booking.service_layer.events import person, provider
    from kairos_contracts.events.booking import BookingConfirmed
    from kairos_platform.messaging.outbox import envelope_row

    def pick(cls: Any, row: Any) -> Any:
        names = {f.name for f in dc_fields(cls)}
        return cls(**{k: v for k, v in dict(row).items() if k in names})

    async def run(service: Service, records: list[Record]) -> None:
        conn = await asyncpg.connect(service.settings.asyncpg_dsn)
        try:
            for i in range(0, len(records), k):
                envs = [Envelope.model_validate_json(r.value) for r in records[i : i + k]]
                pays = [PaymentVerified.model_validate(e.data) for e in envs]
                async with conn.transaction():
                    claimed = {
                        r[0]
                        for r in await conn.fetch(
                            "INSERT INTO inbox (consumer, event_id, event_type, outcome) "
                            "SELECT 'booking', e, 'PaymentVerified', 'handled' FROM unnest($1::uuid[]) e "
                            "ON CONFLICT DO NOTHING RETURNING event_id",
                            [e.event_id for e in envs],
                        )
                    }
                    decided = {
                        r[0]
                        for r in await conn.fetch(
                            "SELECT payment_id FROM payment_decisions WHERE payment_id = ANY($1::uuid[])",
                            [p.payment_id for p in pays],
                        )
                    }
                    todo = [
                        (e, p)
                        for e, p in zip(envs, pays, strict=True)
                        if e.event_id in claimed and p.payment_id not in decided
                    ]
                    holds = {
                        r["hold_id"]: r
                        for r in await conn.fetch(
                            "SELECT * FROM holds WHERE hold_id = ANY($1::uuid[]) ORDER BY hold_id FOR UPDATE",
                            [p.hold_id for _, p in todo],
                        )
                    }
                    offs = {
                        r["offering_id"]: r
                        for r in await conn.fetch(
                            "SELECT * FROM offerings WHERE offering_id = ANY($1::uuid[])",
                            list({p.offering_id for _, p in todo}),
                        )
                    }
                    provs = {
                        r["provider_id"]: pick(Provider, r)
                        for r in await conn.fetch(
                            "SELECT * FROM providers WHERE provider_id = ANY($1::uuid[])",
                            list({o["provider_id"] for o in offs.values()}),
                        )
                    }
                    people = {
                        r["user_id"]: Person(r["user_id"], r["email"], r["display_name"])
                        for r in await conn.fetch(
                            "SELECT * FROM people WHERE user_id = ANY($1::uuid[])",
                            [p.mentee_id for _, p in todo],
                        )
                    }
                    rows, outbox_rows = [], []
                    for e, p in todo:
                        h = holds[p.hold_id]
                        assert h["status"] == "held" and h["mentee_id"] == p.mentee_id, (
                            "happy path only"
                        )
                        o, pr = offs[p.offering_id], provs[offs[p.offering_id]["provider_id"]]
                        b = uuid.uuid4()
                        rows.append(
                            (
                                b,
                                o["offering_id"],
                                pr.provider_id,
                                p.mentee_id,
                                h["starts_at"],
                                h["ends_at"],
                                p.payment_id,
                                str(p.method),
                                p.amount_minor,
                                p.currency,
                                h["hold_id"],
                            )
                        )
                        confirmed = BookingConfirmed(
                            booking_id=b, sequence=0, offering_id=o["offering_id"], offering_title=o["title"],
                            provider=provider(pr), mentee=person(people.get(p.mentee_id, Person(p.mentee_id))),
                            provider_time_zone=pr.time_zone, payment_id=p.payment_id, payment_method=p.method,
                            starts_at=h["starts_at"], ends_at=h["ends_at"], hold_id=h["hold_id"],
                            amount_minor=p.amount_minor, currency=p.currency,
                        )  # fmt: skip
                        outbox_rows.append(envelope_row(e.caused(confirmed, source="booking")))
                    cols = list(zip(*rows, strict=True)) if rows else [[]] * 11
                    await conn.execute(
                        "UPDATE holds SET status = 'converted', ended_at = now(), payment_id = x.p "
                        "FROM unnest($1::uuid[], $2::uuid[]) AS x(h, p) WHERE holds.hold_id = x.h AND holds.status = 'held'",
                        cols[10], cols[6],
                    )  # fmt: skip
                    await conn.execute(
                        "INSERT INTO payment_decisions (payment_id, outcome, booking_id) "
                        "SELECT p, 'booked', b FROM unnest($1::uuid[], $2::uuid[]) AS x(p, b)",
                        cols[6], cols[0],
                    )  # fmt: skip
                    await conn.execute(
                        "INSERT INTO bookings (booking_id, offering_id, provider_id, mentee_id, starts_at, ends_at, "
                        "payment_id, payment_method, amount_minor, currency, hold_id, status) "
                        "SELECT b, o, pr, m, s, en, p, pm, a, c, h, 'confirmed' FROM unnest($1::uuid[], $2::uuid[], "
                        "$3::uuid[], $4::uuid[], $5::timestamptz[], $6::timestamptz[], $7::uuid[], $8::text[], "
                        "$9::int[], $10::text[], $11::uuid[]) AS x(b, o, pr, m, s, en, p, pm, a, c, h) "
                        "WHERE set_config('kairos.verifying_payment', p::text, true) IS NOT NULL",
                        *cols,
                    )  # fmt: skip
                    await conn.execute(
                        "INSERT INTO outbox (event_id, topic, key, bucket, event_type, payload, headers) "
                        "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int2[], $5::text[], "
                        "$6::jsonb[], $7::jsonb[])",
                        *(
                            [r[c] if c not in ("payload", "headers") else json.dumps(r[c]) for r in outbox_rows]
                            for c in ("event_id", "topic", "key", "bucket", "event_type", "payload", "headers")
                        ),
                    )  # fmt: skip
                    await conn.execute("SELECT pg_notify('kairos_outbox', '')")
        finally:
            await conn.close()

    return run


async def probe(
    stack: Stack,
    template: str,
    envelopes: list[Envelope],
    name: str,
    runner: Callable[[Service, list[Record]], Awaitable[None]],
    *,
    pre_ping: bool = True,
    profile: bool = False,
) -> dict[str, Any]:
    db = await stack.clone(template, "bench_probe")
    service = service_for(db, pool_size=10, max_overflow=10, pool_pre_ping=pre_ping)
    statements = collections.Counter[str]()

    def on_execute(conn: Any, cursor: Any, sql: str, *rest: Any) -> None:
        statements[sql.split(None, 1)[0].upper()] += 1

    sa_event.listen(service.engine.sync_engine, "before_cursor_execute", on_execute)
    records = records_of(envelopes)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    try:
        await runner(service, records)
    finally:
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    decided = await count(db, "SELECT count(*) FROM payment_decisions")
    booked = await count(db, "SELECT count(*) FROM bookings WHERE status = 'confirmed'")
    confirmed = await count(db, "SELECT count(*) FROM outbox WHERE event_type = 'BookingConfirmed'")
    await service.engine.dispose()
    n = len(records)
    result = {
        "name": name,
        "events": n,
        "decided": decided,
        "booked": booked,
        "confirmed": confirmed,
        "rate": decided / seconds,
        "ms_per_event": 1000 * seconds / n,
        "statements": sum(statements.values()) / n,
        "by_kind": {k: v / n for k, v in statements.most_common()},
        "profile": profiler,
        "seconds": seconds,
    }
    print(
        f"probe {name}: {decided}/{n} in {seconds:.2f}s = {result['rate']:.0f}/s, "
        f"{result['ms_per_event']:.2f} ms/event, {result['statements']:.1f} SQL statements/event "
        f"(through SQLAlchemy), {booked} bookings, {confirmed} BookingConfirmed in the outbox"
    )
    return result


def profile_summary(profiler: cProfile.Profile, wall: float, top: int = 15) -> str:
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)
    idle = sum(
        v[2]
        for k, v in raw.items()
        if k[2] in ("poll", "select", "<method 'poll' of 'select.epoll' objects>")
        or "epoll" in k[2]
    )
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


async def scenario_consumer(stack: Stack, args: argparse.Namespace, tmp: Path) -> str:
    migrations = bootstrap().migrations
    t0 = time.perf_counter()
    template, payers, hold_rate = await consumer_template(
        stack, migrations, args.events, args.slots
    )
    print(
        f"consumer: {len(payers)} holds placed through place_hold in {time.perf_counter() - t0:.0f}s ({hold_rate:.0f} holds/s)"
    )
    envelopes = [verified(p) for p in payers]
    runs = [
        await consumer_run(stack, template, envelopes, tmp, run, args.py_spy and run == 1)
        for run in range(1, args.runs + 1)
    ]
    probes: list[dict[str, Any]] = []
    if args.probe_events:
        sample = envelopes[: args.probe_events]
        probes.append(
            await probe(
                stack, template, sample, "Dispatcher.handle, one record at a time", run_sequential
            )
        )
        k = int(os.environ.get("CONSUMER_MAX_RECORDS", "200"))
        probes.append(
            await probe(
                stack,
                template,
                sample,
                f"Dispatcher.handle_batch, {k} per batch (as the process: batch handler)",
                run_handle_batch(k),
            )
        )
        probes.append(
            await probe(
                stack,
                template,
                sample,
                "Dispatcher.handle under cProfile",
                run_sequential,
                profile=True,
            )
        )
        probes.append(
            await probe(
                stack,
                template,
                sample,
                "sequential, pool_pre_ping off",
                run_sequential,
                pre_ping=False,
            )
        )
        probes.append(
            await probe(
                stack, template, sample, f"{TOPIC_PARTITIONS} partitions concurrently", run_lanes
            )
        )
        for k in (20, 100):
            probes.append(
                await probe(
                    stack,
                    template,
                    sample,
                    f"{k} per transaction, savepoint each",
                    run_batched(k, True),
                )
            )
        probes.append(
            await probe(
                stack,
                template,
                sample,
                "100 per transaction, no savepoints",
                run_batched(100, False),
            )
        )
        for k in (100, 500):
            name = f"PROTOTYPE set-based, {k} per transaction (happy path)"
            probes.append(await probe(stack, template, sample, name, run_set_based(k)))
    return consumer_section(args, runs, probes, hold_rate)


def consumer_section(
    args: argparse.Namespace,
    runs: list[dict[str, Any]],
    probes: list[dict[str, Any]],
    hold_rate: float,
) -> str:
    rows = [
        (
            r["run"],
            f"{r['decided']}/{args.events}",
            r["bookings"],
            f"**{r['first_to_last']:.0f}**",
            f"{r['middle_80']:.0f}",
            f"{r['db_span']:.0f}",
            f"{r['ready_to_last']:.0f} (join {r['join_s']:.1f} s)",
            f"{r['produce_s']:.1f} s",
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f}",
        )
        for r in runs
    ]
    out = [
        f"## 1. Consumer peak: {args.events} pre-loaded PaymentVerified over {args.slots} slots\n",
        f"One `python -m kairos_booking consumer` (the real path: runs of PaymentVerified through booking's "
        f"batch handler, the rest per record; batch {os.environ.get('CONSUMER_MAX_RECORDS', '200')} records, "
        f"fetch wait 25 ms, {TOPIC_PARTITIONS} partitions). Holds placed beforehand with `place_hold` "
        f"({hold_rate:.0f} holds/s with 8 concurrent), 10 offerings, every event a card payment for a live hold, "
        "so every one is confirmed. Settled = a `payment_decisions` row (same transaction as booking + outbox). "
        "Each run works on a fresh copy of the same database and a fresh broker. **Target: >= 2,000/s.**\n",
        table(
            (
                "run",
                "decided",
                "bookings",
                "events/s first->last decision",
                "middle 80%",
                "from DB timestamps",
                "from process ready",
                "pre-load publish",
                "load avg go / end",
            ),
            rows,
        ),
    ]
    if probes:
        base = probes[0]["rate"]
        prow = [
            (
                p["name"],
                p["events"],
                f"{p['rate']:.0f}",
                f"{p['rate'] / base:.2f}x",
                f"{p['ms_per_event']:.2f}",
                f"{p['statements']:.1f}" if p["statements"] else "10 per transaction (raw asyncpg)",
                f"{p['booked']} / {p['confirmed']}",
            )
            for p in probes
        ]
        kinds = ", ".join(f"{k} {v:.1f}" for k, v in probes[0]["by_kind"].items())
        out += [
            "\n### Where the time goes\n",
            "In-process probes: the same `build_dispatcher(service)`, unit of work and handler as the "
            "process, records handed over directly (no broker), each on a fresh copy of the template.\n",
            table(
                (
                    "probe",
                    "events",
                    "events/s",
                    "vs sequential",
                    "ms/event",
                    "SQL statements/event",
                    "bookings / BookingConfirmed",
                ),
                prow,
            ),
            f"\nStatements per event through SQLAlchemy (sequential; BEGIN, COMMIT and the pool's "
            f"pre-ping come on top): {kinds}.\n",
        ]
        profiled = next((p for p in probes if p["profile"] is not None), None)
        if profiled:
            out += [
                "\ncProfile of the sequential Dispatcher run:\n\n",
                profile_summary(profiled["profile"], profiled["seconds"]),
            ]
    spy = next((r["py_spy"] for r in runs if r["py_spy"]), None)
    if spy is not None:
        out += [
            "\npy-spy of the consumer process (run 1, 8 s while busy):\n\n",
            py_spy_summary(spy),
        ]
    return "\n".join(out)


# --- 2. last-seat storm ------------------------------------------------------------------


async def storm_setup(
    service: Service, payers: int, capacity: int
) -> tuple[uuid.UUID, datetime, list[Payer]]:
    offering_id = await make_offering(service, capacity)
    starts_at = (await slot_starts(service, offering_id, 7))[30]
    live_n = capacity // 2
    unknown_n = payers // 20
    released_n = payers - live_n - unknown_n
    live = await place_holds(service, [(offering_id, starts_at)] * live_n, concurrency=1)

    async def place_and_release(_: int) -> Payer:
        (payer,) = await place_holds(service, [(offering_id, starts_at)], concurrency=1)
        async with service.uow_factory() as uow:
            await release_hold(
                uow, Principal(payer.mentee_id, frozenset({"mentee"})), payer.hold_id
            )
        return payer

    released = await bounded(range(released_n), place_and_release, 4)
    unknown = [Payer(uuid.uuid4(), uuid.uuid4(), offering_id, starts_at) for _ in range(unknown_n)]
    everyone = live + released + unknown
    random.Random(11).shuffle(everyone)
    return offering_id, starts_at, everyone


async def storm_check(
    db: str, offering_id: uuid.UUID, starts_at: datetime, paid: list[uuid.UUID]
) -> dict[str, Any]:
    conn = await asyncpg.connect(plain(db))
    try:
        booked = await conn.fetchval(
            "SELECT count(*) FROM bookings WHERE offering_id = $1 AND starts_at = $2 AND status = 'confirmed'",
            offering_id,
            starts_at,
        )
        taken = await conn.fetchval(
            "SELECT taken FROM slot_seats WHERE offering_id = $1 AND starts_at = $2",
            offering_id,
            starts_at,
        )
        outcomes = dict(
            await conn.fetch(
                "SELECT outcome, count(*) FROM payment_decisions WHERE payment_id = ANY($1) GROUP BY outcome",
                paid,
            )
        )
        events = await conn.fetch(
            "SELECT event_type, payload->'data'->>'payment_id' AS p, payload->'data'->>'reason' AS reason "
            "FROM outbox WHERE event_type IN ('BookingConfirmed', 'BookingRejected')"
        )
    finally:
        await conn.close()
    wanted = {str(p) for p in paid}
    ours = [r for r in events if r["p"] in wanted]  # not the warm-up's
    per_payment = collections.Counter(r["p"] for r in ours)
    return {
        "booked": booked,
        "taken": taken,
        "outcomes": outcomes,
        "reasons": collections.Counter(r["reason"] for r in ours if r["reason"]),
        "one_event_each": all(per_payment.get(p) == 1 for p in wanted),
        "confirmed_events": sum(1 for r in ours if r["event_type"] == "BookingConfirmed"),
        "stray_events": len(events) - len(ours),
    }


async def storm_run(stack: Stack, args: argparse.Namespace, tmp: Path, run: int) -> dict[str, Any]:
    db = await stack.migrated_database("bench_storm", bootstrap().migrations)
    service = service_for(db)
    started = time.perf_counter()
    offering_id, starts_at, payers = await storm_setup(service, args.payers, args.capacity)
    setup_s = time.perf_counter() - started
    await service.engine.dispose()
    await fresh_topics(stack)
    log = tmp / f"storm-consumer-{run}.log"
    proc = start_consumer(stack, db, log)
    try:
        await wait_for_log(log, READY, proc, 60)
        # warm-up: one payment for an unknown offering; once decided, the group is joined
        warm = Payer(uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
        await produce(stack.kafka.bootstrap, [verified(warm)])
        await wait_until(lambda: _any_decision(db), 60, "warm-up decision")
        envelopes = [verified(p) for p in payers]
        paid = [payment_id(e) for e in envelopes]
        load_at_go = os.getloadavg()[0]
        t0 = time.time()
        watch = asyncio.create_task(
            watch_decisions(db, len(paid), 60, "WHERE payment_id = ANY($1)", (paid,))
        )
        publish_s = await produce(stack.kafka.bootstrap, envelopes)
        progress = await watch
    finally:
        stack.stop_process(proc)
    settled = progress.samples[-1][1]
    check = await storm_check(db, offering_id, starts_at, paid)
    result = {
        "run": run,
        "setup_s": setup_s,
        "publish_s": publish_s,
        "settled": settled,
        "seconds": progress.last(len(paid)) - t0,
        "first_s": progress.first() - t0,
        "load": (load_at_go, os.getloadavg()[0]),
        **check,
    }
    print(
        f"storm run {run}: {settled}/{len(paid)} decided {result['seconds']:.2f}s after the first send "
        f"(publishing took {publish_s:.2f}s); bookings {check['booked']} (seats taken {check['taken']}), "
        f"outcomes {check['outcomes']}, reasons {dict(check['reasons'])}, one event per payment: {check['one_event_each']}; "
        f"load average {result['load'][0]:.2f} at go"
    )
    return result


async def storm_in_process(stack: Stack, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The same crowd in process, on copies of one database: every payment handled at once
    (``asyncio.gather`` over ``Dispatcher.handle``: transactions really race on the seat
    row), then as the consumer process takes them (``Dispatcher.handle_batch`` over
    batches of CONSUMER_MAX_RECORDS, booking's batch handler)."""
    template = await stack.migrated_database("bench_storm_tpl", bootstrap().migrations)
    service = service_for(template)
    offering_id, starts_at, payers = await storm_setup(service, args.payers, args.capacity)
    await service.engine.dispose()
    envelopes = [verified(p) for p in payers]
    k = int(os.environ.get("CONSUMER_MAX_RECORDS", "200"))

    async def gathered(dispatcher: Any, records: list[Record]) -> None:
        await asyncio.gather(*(dispatcher.handle(r) for r in records))

    async def batched(dispatcher: Any, records: list[Record]) -> None:
        for i in range(0, len(records), k):
            await dispatcher.handle_batch(records[i : i + k])

    results = []
    for name, runner in (
        ("every payment at once (asyncio.gather over Dispatcher.handle)", gathered),
        (f"Dispatcher.handle_batch, {k} per batch (as the process)", batched),
    ):
        db = await stack.clone(template, "bench_storm_probe")
        service = service_for(db)
        dispatcher = build_dispatcher(service)
        statements = collections.Counter[str]()

        def on_execute(
            conn: Any, cursor: Any, sql: str, *rest: Any, counts: Any = statements
        ) -> None:
            counts[sql.split(None, 1)[0].upper()] += 1

        sa_event.listen(service.engine.sync_engine, "before_cursor_execute", on_execute)
        started = time.perf_counter()
        await asyncio.wait_for(runner(dispatcher, records_of(envelopes)), 120)
        seconds = time.perf_counter() - started
        await service.engine.dispose()
        check = await storm_check(db, offering_id, starts_at, [payment_id(e) for e in envelopes])
        per = {kind: v / len(envelopes) for kind, v in statements.most_common()}
        print(
            f"storm in-process, {name}: {seconds:.2f}s, bookings {check['booked']}, "
            f"outcomes {check['outcomes']}, SQL statements per payment {sum(per.values()):.2f} "
            f"({per})"
        )
        results.append({"name": name, "seconds": seconds, "statements": per, **check})
    return results


async def scenario_storm(stack: Stack, args: argparse.Namespace, tmp: Path) -> str:
    runs = [await storm_run(stack, args, tmp, run) for run in range(1, args.runs + 1)]
    gathered = await storm_in_process(stack, args)
    rows = [
        (
            r["run"],
            f"{r['settled']}/{args.payers}",
            f"**{r['seconds']:.2f} s**",
            f"{r['first_s']:.2f} s",
            f"{r['publish_s']:.2f} s",
            r["booked"],
            r["taken"],
            ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items())),
            ", ".join(f"{k} {v}" for k, v in sorted(r["reasons"].items())),
            f"{'yes' if r['one_event_each'] else 'NO'} ({r['confirmed_events']} BookingConfirmed)",
            "0" if r["booked"] <= args.capacity else f"**{r['booked'] - args.capacity}**",
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f}",
        )
        for r in runs
    ]
    live = args.capacity // 2
    probe_rows = [
        (
            g["name"],
            f"{g['seconds']:.2f} s",
            g["booked"],
            g["taken"],
            ", ".join(f"{k} {v}" for k, v in sorted(g["outcomes"].items())),
            "yes" if g["one_event_each"] else "NO",
            f"{sum(g['statements'].values()):.2f} "
            f"({', '.join(f'{k} {v:.2f}' for k, v in g['statements'].items())})",
        )
        for g in gathered
    ]
    return "\n".join(
        [
            f"## 2. Last-seat storm: {args.payers} payers for one slot of capacity {args.capacity}\n",
            f"Payers: {live} with a live hold (placed with `place_hold`), {args.payers // 20} with an unknown "
            f"hold, the rest with a hold they placed and released (`release_hold`), so {args.capacity - live} "
            "seats are free and raced for. One consumer process, already joined (a warm-up event was decided); "
            "all payments published at once; clock from the first send to the last decision. "
            "**Target: <= 5 s, 0 oversold.**\n",
            table(
                (
                    "run",
                    "decided",
                    "settled",
                    "first decision",
                    "publish",
                    "bookings",
                    "seats taken",
                    "decisions",
                    "rejection reasons",
                    "one event per payment",
                    "oversold",
                    "load avg go / end",
                ),
                rows,
            ),
            "\nThe same crowd in process, each on a copy of one database (pool 10+10 connections; "
            "SQL statements per payment through SQLAlchemy, BEGIN/COMMIT/pre-ping on top):\n",
            table(
                (
                    "how",
                    "time",
                    "bookings",
                    "seats taken",
                    "decisions",
                    "one event per payment",
                    "SQL statements per payment",
                ),
                probe_rows,
            ),
        ]
    )


# --- 3. slot query -------------------------------------------------------------------------


async def slots_setup(
    stack: Stack, args: argparse.Namespace, tmp: Path
) -> tuple[str, uuid.UUID, dict[str, Any]]:
    db = await stack.migrated_database("bench_slots", bootstrap().migrations)
    service = service_for(db)
    offering_id = await make_offering(service, args.capacity)
    starts = await slot_starts(service, offering_id, 30)
    plan = [(offering_id, starts[i % len(starts)]) for i in range(args.bookings)]
    started = time.perf_counter()
    payers = await place_holds(service, plan)
    holds_s = time.perf_counter() - started
    await service.engine.dispose()
    await fresh_topics(stack)
    await produce(stack.kafka.bootstrap, [verified(p) for p in payers])
    log = tmp / "slots-consumer.log"
    proc = start_consumer(stack, db, log)
    try:
        ready = await wait_for_log(log, READY, proc, 60)
        progress = await watch_decisions(db, len(payers), timeout=max(120, len(payers) / 50))
    finally:
        stack.stop_process(proc)
    booked = await count(db, "SELECT count(*) FROM bookings WHERE status = 'confirmed'")
    info = {
        "slots": len(starts),
        "booked": booked,
        "holds_s": holds_s,
        "consume_rate": progress.samples[-1][1] / (progress.last(len(payers)) - progress.first()),
        "join_s": progress.first() - ready,
    }
    print(
        f"slots setup: {len(starts)} slots in 30 days, {booked} confirmed bookings "
        f"(holds {holds_s:.0f}s; consumer {info['consume_rate']:.0f} events/s)"
    )
    return db, offering_id, info


async def wait_http(base: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    async def live() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"http process exited ({proc.returncode})")
        with contextlib.suppress(httpx.HTTPError):
            async with httpx.AsyncClient(timeout=1) as c:
                return (await c.get(f"{base}/health/live")).status_code == 200
        return False

    await wait_until(live, timeout, "http process live", every=0.1)


async def query_load(
    base: str, path: str, params: dict[str, str], requests: int, concurrency: int
) -> tuple[list[float], int, int]:
    """Latencies of ``requests`` GETs from ``concurrency`` callers. Only the first answer is
    parsed (its slot count); the others must be 200 with the same length: parsing 100 kB
    of JSON cost the load generator ~2 ms of CPU per request on the cores the server
    needs (client CPU per request is in the report)."""
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        for _ in range(20):  # warm-up
            first = await client.get(path, params=params)
        size, length = len(first.json()["slots"]), len(first.content)
        queue = iter(range(requests))

        async def worker() -> None:
            nonlocal errors
            for _ in queue:
                t = time.perf_counter()
                got = await client.get(path, params=params)
                latencies.append((time.perf_counter() - t) * 1000)
                if got.status_code != 200 or len(got.content) != length:
                    errors += 1

        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), 600)
    return latencies, errors, size


def server_cpu_s(pid: int) -> float:
    """CPU seconds of the HTTP process and its uvicorn workers so far."""
    return cpu_seconds({"server": pid}).get("server", 0.0)


async def slot_query_parts(
    db: str, offering_id: uuid.UUID, first: date, last: date, n: int = 100
) -> dict[str, float]:
    """Median ms of each part of the slots route in-process: the SQL reads and the Python."""
    from zoneinfo import ZoneInfo

    from kairos_booking.domain import slots as domain
    from kairos_booking.entrypoints import views

    service = service_for(db)
    parts: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(n):
        async with service.uow_factory() as uow:
            t = time.perf_counter()
            offering, provider, hours = await uow.catalog.offering_with_hours(
                offering_id, first, last
            )
            assert offering is not None and provider is not None
            t1 = time.perf_counter()
            zone = ZoneInfo(provider.time_zone)
            now = uow.now()
            start = datetime.combine(first, datetime.min.time(), zone) - timedelta(days=1)
            end = datetime.combine(last, datetime.min.time(), zone) + timedelta(days=2)
            occupied = await uow.seats.occupied(provider.provider_id, start, end, now)
            t2 = time.perf_counter()
            found = domain.bookable_slots(offering, hours, zone, first, last, now, occupied)
            t3 = time.perf_counter()
            views.slots_json(str(offering_id), provider.time_zone, found, zone)
            t4 = time.perf_counter()
        for name, a, b in (
            (
                "offering, provider and hours (1st statement: pool checkout, pre-ping, BEGIN)",
                t,
                t1,
            ),
            (f"occupied seats (driver fetch, {len(occupied)} rows -> Occupied)", t1, t2),
            (f"bookable_slots() Python ({len(found)} slots x {len(occupied)} occupied)", t2, t3),
            ("views.slots_json (cached pieces)", t3, t4),
        ):
            parts[name].append((b - a) * 1000)
    await service.engine.dispose()
    return {k: statistics.median(v) for k, v in parts.items()}


async def slots_runs(
    stack: Stack, args: argparse.Namespace, tmp: Path, db: str, path: str, params: dict[str, str]
) -> list[dict[str, Any]]:
    """Each run: a fresh HTTP process, then the load at concurrency 1 and at --concurrency."""
    runs = []
    levels = sorted({1, args.concurrency})
    for run in range(1, args.runs + 1):
        port = free_port()
        proc = stack.service_process(
            "kairos_booking",
            "http",
            db,
            tmp / f"http-{run}.log",
            HTTP_PORT=str(port),
            HTTP_WORKERS=str(args.http_workers),
        )
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_http(base, proc, 60)
            for concurrency in levels:
                load = os.getloadavg()[0]
                started, client, server = (
                    time.perf_counter(),
                    time.process_time(),
                    server_cpu_s(proc.pid),
                )
                lat, errors, size = await query_load(base, path, params, args.requests, concurrency)
                wall = time.perf_counter() - started
                r = {
                    "run": run,
                    "c": concurrency,
                    "n": len(lat),
                    "errors": errors,
                    "slots": size,
                    "rps": len(lat) / wall,
                    **{f"p{p}": percentile(lat, p) for p in (50, 95, 99)},
                    "max": max(lat),
                    "server_ms": (server_cpu_s(proc.pid) - server) * 1000 / len(lat),
                    "client_ms": (time.process_time() - client) * 1000 / len(lat),
                    "load": f"{load:.1f}-{os.getloadavg()[0]:.1f}",
                }
                runs.append(r)
                print(
                    f"slots run {run}, concurrency {concurrency}: {r['n']} requests ({errors} errors, "
                    f"{size} slots each), {r['rps']:.0f} req/s; p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
                    f"p99 {r['p99']:.1f} ms, max {r['max']:.1f} ms; CPU per request server "
                    f"{r['server_ms']:.1f} ms, client {r['client_ms']:.1f} ms; load {r['load']}"
                )
        finally:
            stack.stop_process(proc)
    return runs


async def scenario_slots(stack: Stack, args: argparse.Namespace, tmp: Path) -> str:
    db, offering_id, info = await slots_setup(stack, args, tmp)
    first = date.today() + timedelta(days=1)
    last = first + timedelta(days=29)
    params = {"from": str(first), "to": str(last)}
    path = f"/offerings/{offering_id}/slots"
    runs = await slots_runs(stack, args, tmp, db, path, params)
    parts = await slot_query_parts(db, offering_id, first, last)
    for k, v in parts.items():
        print(f"  {k}: {v:.2f} ms (median in-process)")
    rows = [
        (
            r["run"],
            r["c"],
            r["n"],
            r["errors"],
            r["slots"],
            f"{r['rps']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
            f"**{r['p99']:.1f}**",
            f"{r['max']:.1f}",
            f"{r['server_ms']:.1f}",
            f"{r['client_ms']:.1f}",
            r["load"],
        )
        for r in runs
    ]
    workers = f"HTTP_WORKERS={args.http_workers}"
    return "\n".join(
        [
            f"## 3. Slot query: 30 days of an offering with {info['booked']} confirmed bookings\n",
            f"One offering (60 min, capacity {args.capacity}, open 24 h, {ZONE}), {info['slots']} slots in the 30 days, "
            f"{info['booked']} bookings spread over them, made through the real path: `place_hold` "
            f"({info['holds_s']:.0f} s), then PaymentVerified through one consumer process "
            f"({info['consume_rate']:.0f} events/s). Then `GET {path.replace(str(offering_id), '{id}')}?from={first}&to={last}` "
            f"against `python -m kairos_booking http` ({workers}), {args.requests} requests "
            f"at concurrency 1 and at {args.concurrency}, httpx, after 20 warm-up requests (the first "
            "answer parsed, the others checked by status and length). CPU per request from /proc "
            "(server: the process and its workers; client: this script). **Target: p99 <= 20 ms.**\n",
            table(
                (
                    "run",
                    "concurrency",
                    "requests",
                    "errors",
                    "slots returned",
                    "req/s",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "max ms",
                    "server CPU ms/req",
                    "client CPU ms/req",
                    "load avg",
                ),
                rows,
            ),
            "\nWhere the time goes (in-process, median of 100 calls of the route's steps):\n",
            table(("step", "median ms"), [(k, f"{v:.2f}") for k, v in parts.items()]),
        ]
    )


# --- main ----------------------------------------------------------------------------------


async def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("scenario", choices=["consumer", "storm", "slots", "all"])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--slots", type=int, default=1000)
    ap.add_argument("--probe-events", type=int, default=3000, help="0 skips the in-process probes")
    ap.add_argument("--py-spy", action="store_true")
    ap.add_argument("--payers", type=int, default=1000)
    ap.add_argument("--capacity", type=int, default=None, help="storm: 10; slots: 20")
    ap.add_argument("--bookings", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--http-workers", type=int, default=1, help="slots: HTTP_WORKERS")
    ap.add_argument("--reports", default=str(ROOT / "reports"))
    args = ap.parse_args()
    terminate_on_sigterm()

    tmp = Path(tempfile.mkdtemp(prefix="kairos-booking-bench-"))
    stack = Stack(tmp)
    sections: list[str] = []
    started = time.perf_counter()
    try:
        stack.start()
        chosen = ["consumer", "storm", "slots"] if args.scenario == "all" else [args.scenario]
        for name in chosen:
            if name == "consumer":
                sections.append(await scenario_consumer(stack, args, tmp))
            elif name == "storm":
                sections.append(
                    await scenario_storm(stack, _with(args, capacity=args.capacity or 10), tmp)
                )
            else:
                sections.append(
                    await scenario_slots(stack, _with(args, capacity=args.capacity or 20), tmp)
                )
        with contextlib.suppress(Exception):
            await stack.drop_databases()
    except BaseException as exc:
        sections.append(
            f"## Stopped early\n\n`{type(exc).__name__}: {exc}`; the sections above are complete.\n"
        )
        raise
    finally:
        stack.stop()
        write_report(args, sections, started)


def write_report(args: argparse.Namespace, sections: list[str], started: float) -> None:
    if not sections:
        return
    path = report_path(Path(args.reports), "booking")
    command = "uv run python bench/booking_bench.py " + " ".join(sys.argv[1:])
    path.write_text(
        f"# Booking benchmark ({path.stem.removeprefix('booking-')})\n\n"
        f"Command: `{command}` ({time.perf_counter() - started:.0f} s in all).\n"
        + machine_header(
            f"{args.runs} runs per scenario; booking processes with their default settings "
            "(`CONSUMER_MAX_RECORDS` 200, fetch wait 25 ms, pool 10+10 with pre-ping); "
            f"{TOPIC_PARTITIONS} partitions as the local stack."
        )
        + "\nFigures come from a 2-core machine shared with other engineers' tests: read the spread "
        "between runs as the noise floor.\n\n" + "\n\n".join(sections)
    )
    print(f"report: {path}")


def _with(args: argparse.Namespace, **changes: Any) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), **changes})


if __name__ == "__main__":
    asyncio.run(main())
