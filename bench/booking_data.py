"""What the booking scenarios (``booking_bench.py``) share: offerings and holds made through
booking's own service layer, PaymentVerified envelopes published as payments' relay would,
and decisions counted in booking's database while a consumer process works.
"""

from __future__ import annotations

import asyncio
import collections
import os
import subprocess
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from benchlib import Stack, async_url, plain
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kairos_booking.bootstrap import bootstrap
from kairos_booking.domain.model import Minutes, Person
from kairos_booking.service_layer import catalog
from kairos_booking.service_layer.holds import place_hold
from kairos_booking.service_layer.slots import list_slots
from kairos_contracts import Envelope
from kairos_contracts.events.payments import PaymentVerified
from kairos_contracts.topics import PAYMENTS_PAYMENTS, SYSTEM
from kairos_localstack.stack import TOPIC_PARTITIONS
from kairos_platform.auth import Principal
from kairos_platform.messaging.consumer import Record, is_transient
from kairos_platform.service import Service
from kairos_platform.settings import ServiceSettings

ADMIN = Principal(uuid.UUID(int=0xAD), frozenset({"admin"}))
HOLD_TTL = timedelta(hours=3)  # the bench must not race the expiry job
ZONE = "Europe/Madrid"
READY = "consumer of booking started"


@dataclass(frozen=True)
class Payer:
    hold_id: uuid.UUID
    mentee_id: uuid.UUID
    offering_id: uuid.UUID
    starts_at: datetime | None = None


def process_setting(name: str) -> int:
    """A numeric setting as the booking processes started here read it: ``NAME`` from the
    environment they inherit, else ServiceSettings' default."""
    default = ServiceSettings.model_fields[name.lower()].default
    return int(os.environ.get(name, str(default)))


def batch_records() -> int:
    """Records per fetched batch (the consumer process's ``CONSUMER_MAX_RECORDS``)."""
    return process_setting("CONSUMER_MAX_RECORDS")


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
                # HTTP answers 503 for a transient failure and a client tries again, so do
                # we (concurrent first seats of one provider can deadlock)
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


def records_of(envelopes: list[Envelope]) -> list[Record]:
    """The envelopes as the consumer process would fetch them (partition by key)."""
    return [
        Record(PAYMENTS_PAYMENTS, zlib.crc32(e.key) % TOPIC_PARTITIONS, i, e.key, e.to_json())
        for i, e in enumerate(envelopes)
    ]


async def count(url: str, sql: str, *args: Any) -> int:
    conn = await asyncpg.connect(plain(url))
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def any_decision(db: str) -> bool:
    return await count(db, "SELECT count(*) FROM (SELECT 1 FROM payment_decisions LIMIT 1) x") > 0


def count_statements(engine: AsyncEngine) -> collections.Counter[str]:
    """SQL statements the engine sends from now on, by first keyword (live counter)."""
    statements = collections.Counter[str]()

    def on_execute(conn: Any, cursor: Any, sql: str, *rest: Any) -> None:
        statements[sql.split(None, 1)[0].upper()] += 1

    sa_event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    return statements


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
    """An empty broker (no records, no group offsets) with the topics the consumer reads."""
    stack.fresh_broker()
    await stack.topics([PAYMENTS_PAYMENTS, SYSTEM], TOPIC_PARTITIONS)
