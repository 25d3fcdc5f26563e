"""Dispatcher.handle_batch with a batch handler, against real PostgreSQL (records handed
over directly, as the subscriber does with one fetched batch): one transaction per run,
duplicates skipped, left records and their key's later ones through the per-record path in
order, a failing batch falling back to the per-record path, poison dead-lettered as before.
"""

from __future__ import annotations

import gc
import uuid
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_contracts import Envelope
from kairos_contracts.topics import dlq_topic
from kairos_platform.messaging.consumer import ConsumerPolicy, Dispatcher, Outcome, Record
from kairos_platform.uow import UnitOfWork

from . import messaging_app as app

pytestmark = pytest.mark.integration


@pytest.fixture
def topic() -> str:
    return f"test.ticks.{uuid.uuid4().hex[:8]}"


class World:
    """A dispatcher whose Tick type has a batch handler; what each path did is recorded."""

    def __init__(
        self,
        engine: AsyncEngine,
        topic: str,
        *,
        leave: set[tuple[str, int]] | None = None,
        fail_batch: BaseException | None = None,
    ) -> None:
        self.engine = engine
        self.tick = app.tick_event(topic)
        self.topic = topic
        self.batch_calls: list[int] = []
        self.outcomes: list[tuple[str, Outcome]] = []
        self.gc_enabled: list[tuple[str, bool]] = []  # (path, cyclic GC on while it ran)
        batch = app.batch_tick_handler("batch", leave, self.batch_calls)

        async def on_tick(event: Any, envelope: Envelope, uow: UnitOfWork) -> None:
            self.gc_enabled.append(("single", gc.isenabled()))
            if event.poison:
                raise ValueError(f"poison tick {event.key}/{event.seq}")
            await uow.session.execute(
                insert(app.effects).values(
                    event_id=envelope.event_id, key=event.key, seq=event.seq, consumer="single"
                )
            )
            uow.emit(self.tick(key=event.key, seq=event.seq + 1000))

        async def on_ticks(items: Any, uow: UnitOfWork) -> Any:
            self.gc_enabled.append(("batch", gc.isenabled()))
            left = await batch(items, uow)
            for event, envelope in items:
                if envelope.event_id not in left:
                    uow.caused_by(envelope)
                    uow.emit(self.tick(key=event.key, seq=event.seq + 1000))
            if fail_batch is not None:
                raise fail_batch
            return left

        self.dispatcher = Dispatcher(
            consumer="test-consumer",
            uow_factory=app.uow_factory(engine, source="ticks"),
            handlers={self.tick: on_tick},
            batch_handlers={self.tick: on_ticks},
            policy=ConsumerPolicy(max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.05),
            on_outcome=lambda t, o, _s: self.outcomes.append((t, o)),
        )

    def envelope(self, key: str, seq: int, poison: bool = False) -> Envelope:
        return Envelope.wrap(self.tick(key=key, seq=seq, poison=poison), source="upstream")

    def records(self, envelopes: list[Envelope | bytes]) -> list[Record]:
        return [
            Record(self.topic, 0, i, e.key if isinstance(e, Envelope) else b"k", _value(e))
            for i, e in enumerate(envelopes)
        ]

    async def rows(self, sql: str) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql))).all())


def _value(e: Envelope | bytes) -> bytes:
    return e.to_json() if isinstance(e, Envelope) else e


async def test_a_run_is_one_transaction_duplicates_skipped_and_a_redelivery_changes_nothing(
    engine: AsyncEngine, topic: str
) -> None:
    w = World(engine, topic)
    sent = [w.envelope(k, s) for s in range(2) for k in "abc"]
    records = w.records([*sent, sent[1]])  # the same event twice in one batch

    outcomes = await w.dispatcher.handle_batch(records)

    assert outcomes == [Outcome.HANDLED] * 6 + [Outcome.DUPLICATE]
    assert w.batch_calls == [6]  # one call (one transaction) for the run
    effects = await w.rows("SELECT event_id, consumer FROM effects ORDER BY id")
    assert [e for e, _ in effects] == [e.event_id for e in sent]
    assert {c for _, c in effects} == {"batch"}
    assert Counter(o for _, o in w.outcomes) == {Outcome.HANDLED: 6, Outcome.DUPLICATE: 1}
    # the events it emitted: caused by their own record, as the per-record path's would be
    out = await w.rows("SELECT payload FROM outbox ORDER BY id")
    assert [p["causation_id"] for (p,) in out] == [str(e.event_id) for e in sent]
    assert [p["correlation_id"] for (p,) in out] == [str(e.correlation_id) for e in sent]
    assert [p["source"] for (p,) in out] == ["ticks"] * 6

    # the whole batch again (a consumer killed before committing its offsets)
    again = await w.dispatcher.handle_batch(w.records(list(sent)))

    assert again == [Outcome.DUPLICATE] * 6
    assert w.batch_calls == [6]  # nothing claimed: the handler is not called
    assert len(await w.rows("SELECT 1 FROM effects")) == 6
    assert len(await w.rows("SELECT 1 FROM inbox")) == 6
    assert len(await w.rows("SELECT 1 FROM outbox")) == 6


async def test_left_records_and_later_ones_of_their_key_go_one_by_one_in_key_order(
    engine: AsyncEngine, topic: str
) -> None:
    # the batch handler leaves a/1 but would settle a/2: a/2 must wait behind a/1
    w = World(engine, topic, leave={("a", 1)})
    sent = [w.envelope(k, s) for s in range(3) for k in "ab"]

    outcomes = await w.dispatcher.handle_batch(w.records(list(sent)))

    assert outcomes == [Outcome.HANDLED] * 6
    rows = await w.rows("SELECT key, seq, consumer FROM effects ORDER BY id")
    by_key: dict[str, list[tuple[int, str]]] = {}
    for key, seq, consumer in rows:
        by_key.setdefault(key, []).append((seq, consumer))
    assert by_key["a"] == [(0, "batch"), (1, "single"), (2, "single")]
    assert by_key["b"] == [(0, "batch"), (1, "batch"), (2, "batch")]
    # one inbox row per event, claimed once (the left claims were given back and retaken)
    inbox = await w.rows("SELECT event_id, outcome FROM inbox")
    assert sorted(str(e) for e, _ in inbox) == sorted(str(e.event_id) for e in sent)
    assert {o for _, o in inbox} == {"handled"}
    assert len(await w.rows("SELECT 1 FROM outbox")) == 6
    # first try gave it 6 and was rolled back (a/2 settled out of order), then 4
    assert w.batch_calls == [6, 4]


@pytest.mark.parametrize(
    "failure", [RuntimeError("bug in the batch"), ConnectionError("database away")]
)
async def test_a_failing_batch_falls_back_to_one_by_one_and_ends_exactly_once(
    engine: AsyncEngine, topic: str, failure: BaseException
) -> None:
    w = World(engine, topic, fail_batch=failure)
    sent = [w.envelope(k, s) for s in range(3) for k in "ab"]

    outcomes = await w.dispatcher.handle_batch(w.records(list(sent)))

    assert outcomes == [Outcome.HANDLED] * 6
    assert w.batch_calls == [6]
    rows = await w.rows("SELECT event_id, consumer FROM effects ORDER BY id")
    assert [e for e, _ in rows] == [e.event_id for e in sent]  # each once, in order
    assert {c for _, c in rows} == {"single"}  # the batch's writes were rolled back
    assert len(await w.rows("SELECT 1 FROM outbox")) == 6
    assert len(await w.rows("SELECT 1 FROM inbox")) == 6


async def test_poison_in_a_run_is_dead_lettered_as_by_the_per_record_path(
    engine: AsyncEngine, topic: str
) -> None:
    w = World(engine, topic)
    sent = [w.envelope("k", s, poison=(s == 2)) for s in range(5)]
    records = w.records([sent[0], b"\xff not json", *sent[1:]])

    outcomes = await w.dispatcher.handle_batch(records)

    # the unreadable record splits the run: sent[0] alone, then a run of 4 with the poison,
    # which fails as a batch and goes one by one: retried max_attempts times, dead-lettered
    assert outcomes == [
        Outcome.HANDLED,
        Outcome.DEAD_LETTERED,
        Outcome.HANDLED,
        Outcome.DEAD_LETTERED,
        Outcome.HANDLED,
        Outcome.HANDLED,
    ]
    assert w.batch_calls == [4]
    seqs = [s for (s,) in await w.rows("SELECT seq FROM effects ORDER BY id")]
    assert seqs == [0, 1, 3, 4]
    dead = await w.rows(
        "SELECT payload, key FROM outbox WHERE topic = '" + dlq_topic(topic) + "' ORDER BY id"
    )
    assert len(dead) == 2
    assert dead[0][0]["error"].startswith(("ValidationError", "ValueError"))
    assert dead[1][0]["event_id"] == str(sent[2].event_id)
    assert dead[1][0]["attempts"] == 3 and "poison tick k/2" in dead[1][0]["error"]
    assert (
        len(await w.rows("SELECT 1 FROM inbox WHERE outcome = 'dead_lettered'")) == 2
    )  # once: a redelivery is a duplicate
    again = await w.dispatcher.handle_batch(records)
    assert again == [Outcome.DUPLICATE, Outcome.DEAD_LETTERED] + [Outcome.DUPLICATE] * 4
    assert len(await w.rows("SELECT 1 FROM outbox WHERE topic = '" + dlq_topic(topic) + "'")) == 2


async def test_types_without_a_batch_handler_keep_the_per_record_path(
    engine: AsyncEngine, topic: str
) -> None:
    plain = app.make_dispatcher(engine, topic, f"plain-{topic}")  # own OUTCOMES key
    tick = app.tick_event(topic)
    sent = [Envelope.wrap(tick(key="k", seq=s), source="x") for s in range(3)]
    records = [Record(topic, 0, i, e.key, e.to_json()) for i, e in enumerate(sent)]

    assert await plain.handle_batch(records) == [Outcome.HANDLED] * 3
    assert await plain.handle_batch(records) == [Outcome.DUPLICATE] * 3
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM effects"))).scalar_one() == 3


def test_a_batch_handler_needs_a_per_record_handler(topic: str) -> None:
    tick = app.tick_event(topic)

    async def on_ticks(items: Any, uow: Any) -> set[uuid.UUID]:
        return set()

    def no_uow() -> UnitOfWork:
        raise AssertionError("refused before it opens a unit of work")

    with pytest.raises(ValueError, match="no per-record handler"):
        Dispatcher(
            consumer="c",
            uow_factory=no_uow,
            handlers={},
            batch_handlers={tick: on_ticks},
        )


@pytest.mark.parametrize("fail", [False, True])
async def test_the_cyclic_gc_is_paused_only_while_a_batch_transaction_runs(
    engine: AsyncEngine, topic: str, fail: bool
) -> None:
    assert gc.isenabled()
    w = World(engine, topic, leave={("a", 1)}, fail_batch=RuntimeError("bug") if fail else None)
    sent = [w.envelope(k, s) for s in range(2) for k in "ab"]

    outcomes = await w.dispatcher.handle_batch(w.records(list(sent)))

    assert outcomes == [Outcome.HANDLED] * 4
    assert gc.isenabled()  # given back, also when the batch failed
    assert {on for path, on in w.gc_enabled if path == "batch"} == {False}
    assert {on for path, on in w.gc_enabled if path == "single"} == {True}
    assert {path for path, _ in w.gc_enabled} == {"batch", "single"}
