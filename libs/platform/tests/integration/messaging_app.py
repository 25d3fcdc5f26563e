"""A tiny service used by the messaging integration tests, in-process or as a child
process (``python messaging_app.py relay|consumer``) so that tests can SIGKILL it.

Its one event, Tick(key, seq), is registered under a topic chosen per test, and its
handler records every effect in ``effects`` without any uniqueness of its own: a
duplicate effect would show as two rows, which is what the tests look for.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import sys
import uuid
from typing import Any, ClassVar

from faststream.kafka import KafkaBroker
from faststream.kafka.subscriber.usecase import LogicSubscriber
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text, insert, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kairos_contracts import Envelope, Event, register
from kairos_contracts.registry import event_class, unregister
from kairos_contracts.topics import TOPIC_KEYS
from kairos_platform.db import make_session_factory
from kairos_platform.messaging.consumer import ConsumerPolicy, Dispatcher
from kairos_platform.messaging.kafka import consumer_broker, consumer_router, make_producer
from kairos_platform.messaging.relay import Relay, RelayConfig
from kairos_platform.messaging.tables import OUTBOX_BUCKETS, MessagingTables
from kairos_platform.uow import UnitOfWork

# (consumer id, outcome) -> count, for tests that must know duplicates were seen and dropped.
OUTCOMES: collections.Counter[tuple[str, str]] = collections.Counter()

metadata = MetaData()
tables = MessagingTables(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("key", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("consumer", Text, nullable=False),
)


def forget_tick_events() -> None:
    """Take the per-test events and topics out of the global registry again."""
    for topic in [t for t in TOPIC_KEYS if t.startswith("test.ticks.")]:
        TOPIC_KEYS.pop(topic)
        try:
            unregister(event_class(f"TestTick.{topic}", 1))
        except LookupError:
            pass


class TickFields(Event):
    """The fields of every test topic's Tick; ``tick_event`` makes one class per topic."""

    key: str
    seq: int
    poison: bool = False


def tick_event(topic: str) -> type[TickFields]:
    type_name = f"TestTick.{topic}"
    try:
        known = event_class(type_name, 1)
    except LookupError:
        pass
    else:
        assert issubclass(known, TickFields), known
        return known

    # A test topic, known to the registry like a real one (one per test, for isolation).
    TOPIC_KEYS.setdefault(topic, "key")

    class Tick(TickFields):
        TYPE: ClassVar[str] = type_name
        TOPIC: ClassVar[str] = topic
        KEY: ClassVar[str] = "key"

    return register(Tick)


def asyncpg_url(url: str) -> str:
    return "postgresql+asyncpg://" + url.split("://", 1)[1]


async def create_schema(db_url: str) -> None:
    engine = create_async_engine(asyncpg_url(db_url))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            text(
                "INSERT INTO outbox_bucket SELECT generate_series(0, :n - 1) ON CONFLICT DO NOTHING"
            ),
            {"n": OUTBOX_BUCKETS},
        )
    await engine.dispose()


def uow_factory(engine: AsyncEngine, source: str = "test") -> Any:
    sessions = make_session_factory(engine)
    return lambda: UnitOfWork(sessions, tables, source=source)


async def emit_ticks(
    engine: AsyncEngine,
    topic: str,
    keys: list[str],
    per_key: int,
    poison: set[tuple[str, int]] | None = None,
) -> list[Envelope]:
    """One transaction per event, keys interleaved, as concurrent business would do."""
    tick = tick_event(topic)
    new_uow = uow_factory(engine)
    sent = []
    for seq in range(per_key):
        for key in keys:
            async with new_uow() as uow:
                sent.append(
                    uow.emit(tick(key=key, seq=seq, poison=(key, seq) in (poison or set())))
                )
                await uow.commit()
    return sent


def make_dispatcher(
    engine: AsyncEngine,
    topic: str,
    consumer_id: str,
    delay_s: float = 0.0,
    max_attempts: int = 3,
    batch: bool = False,
) -> Dispatcher:
    async def on_tick(event: Any, envelope: Envelope, uow: UnitOfWork) -> None:
        if event.poison:
            raise ValueError(f"poison tick {event.key}/{event.seq}")
        await uow.session.execute(
            insert(effects).values(
                event_id=envelope.event_id, key=event.key, seq=event.seq, consumer=consumer_id
            )
        )
        if delay_s:
            await asyncio.sleep(delay_s)

    tick = tick_event(topic)
    return Dispatcher(
        consumer="test-consumer",
        uow_factory=uow_factory(engine),
        handlers={tick: on_tick},
        batch_handlers={tick: batch_tick_handler(f"{consumer_id}/batch")} if batch else None,
        policy=ConsumerPolicy(max_attempts=max_attempts, backoff_base_s=0.01, backoff_max_s=0.2),
        on_outcome=lambda _type, outcome, _s: OUTCOMES.update([(consumer_id, str(outcome))]),
    )


def batch_tick_handler(
    tag: str, leave: set[tuple[str, int]] | None = None, calls: list[int] | None = None
) -> Any:
    """A set-based Tick handler: one INSERT for the run's effects (``consumer`` = ``tag``),
    leaving (key, seq) in ``leave`` to the per-record path; a run holding a poison tick
    fails as a whole, after writing (so the rollback is what keeps it exactly-once)."""

    async def on_ticks(items: Any, uow: UnitOfWork) -> set[uuid.UUID]:
        if calls is not None:
            calls.append(len(items))
        mine = [(e, env) for e, env in items if (e.key, e.seq) not in (leave or set())]
        if mine:
            await uow.session.execute(
                insert(effects),
                [
                    {"event_id": env.event_id, "key": e.key, "seq": e.seq, "consumer": tag}
                    for e, env in mine
                ],
            )
        if any(e.poison for e, _ in items):
            raise ValueError("a poison tick in the batch")
        return {env.event_id for e, env in items if (e.key, e.seq) in (leave or set())}

    return on_ticks


async def start_consumer(
    engine: AsyncEngine,
    bootstrap: str,
    topic: str,
    consumer_id: str,
    group: str,
    delay_s: float = 0.0,
    max_records: int = 50,
    batch: bool = False,
) -> KafkaBroker:
    broker = consumer_broker(bootstrap, consumer_id)
    broker.include_router(
        consumer_router(
            make_dispatcher(engine, topic, consumer_id, delay_s, batch=batch),
            topics=[topic],
            group_id=group,
            max_records=max_records,
            session_timeout_ms=2000,  # 2 s to notice a killed member
        )
    )
    await broker.start()
    return broker


def assigned(broker: KafkaBroker) -> int:
    """How many partitions this broker's consumer holds (0 until the group join is done)."""
    return sum(
        len(sub.consumer.assignment())
        for sub in broker.subscribers
        if isinstance(sub, LogicSubscriber) and sub.consumer
    )


async def _main(mode: str) -> None:
    db_url, bootstrap, topic = (
        os.environ["DATABASE_URL"],
        os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        os.environ["TOPIC"],
    )
    engine = create_async_engine(asyncpg_url(db_url), pool_pre_ping=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if mode == "relay":
        producer = make_producer(bootstrap, client_id=f"relay-{uuid.uuid4()}")
        await producer.start()
        relay = Relay(
            engine,
            producer,
            listen_dsn=db_url,
            config=RelayConfig(batch_size=100, poll_interval_s=0.2),
        )
        await relay.run(stop)
        await producer.stop()
    else:
        broker = await start_consumer(
            engine,
            bootstrap,
            topic,
            os.environ["CONSUMER_ID"],
            os.environ["GROUP"],
            float(os.environ.get("DELAY_S", "0")),
            batch=os.environ.get("BATCH") == "1",
        )
        await stop.wait()
        await broker.stop()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1]))
