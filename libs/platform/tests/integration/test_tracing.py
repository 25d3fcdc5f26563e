"""Traces across the outbox and the broker, against real PostgreSQL and the broker, exported
over OTLP/HTTP to an in-process receiver: a request emits an event, its handler emits a
second one, and the spans of the request, both relays' publishes and both handlers are one
trace, each hop the child of the one before."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from faststream.kafka import KafkaBroker
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kairos_contracts import Envelope
from kairos_platform import tracing
from kairos_platform.http import create_app
from kairos_platform.messaging.consumer import ConsumerPolicy, Dispatcher
from kairos_platform.messaging.kafka import bootstrap_servers, consumer_router, make_producer
from kairos_platform.messaging.relay import Relay, RelayConfig
from kairos_platform.otlp_receiver import OtlpReceiver, ReceivedSpan
from kairos_platform.settings import ServiceSettings
from kairos_platform.uow import UnitOfWork

from . import messaging_app as app
from .test_messaging import ensure_topic, scalar

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as rec:
        monkeypatch.setenv(tracing.ENDPOINT_ENV, rec.endpoint)
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
        assert tracing.setup("test", "all")
        try:
            yield rec
        finally:
            tracing.reset()


async def _consumer(bootstrap: str, topic: str, dispatcher: Dispatcher, group: str) -> KafkaBroker:
    broker = KafkaBroker(bootstrap_servers(bootstrap), client_id=group)
    broker.include_router(
        consumer_router(dispatcher, topics=[topic], group_id=group, session_timeout_ms=2000)
    )
    await broker.start()
    return broker


def _one(spans: list[ReceivedSpan], **match: Any) -> ReceivedSpan | None:
    """The one span matching, None until there is exactly one."""
    found = [s for s in spans if all(getattr(s, k) == v for k, v in match.items())]
    return found[0] if len(found) == 1 else None


@pytest.mark.parametrize("batch", [False, True], ids=["per-record", "batch-handler"])
async def test_a_request_and_two_hops_are_one_trace(
    fresh_database: str, kafka_bootstrap: str, receiver: OtlpReceiver, batch: bool
) -> None:
    """Per record, or through a batch handler (three requests' events handled in one
    transaction: each record still gets its consumer span, and its events continue it)."""
    await app.create_schema(fresh_database)
    engine: AsyncEngine = create_async_engine(app.asyncpg_url(fresh_database))
    tracing.instrument_engine(engine)
    first, second = (f"test.ticks.{uuid.uuid4().hex[:8]}" for _ in range(2))
    for name in (first, second):
        await ensure_topic(kafka_bootstrap, name, partitions=1)
    tick, tock = app.tick_event(first), app.tick_event(second)
    new_uow = app.uow_factory(engine)

    router = APIRouter()

    @router.post("/ticks/{key}", status_code=202)
    async def post_tick(key: str) -> dict[str, str]:
        async with new_uow() as uow:
            uow.emit(tick(key=key, seq=0))
            await uow.commit()
        return {"key": key}

    http = create_app(ServiceSettings(), title="traced", routers=[router])
    tracing.instrument_app(http)

    async def on_tick(event: Any, envelope: Envelope, uow: UnitOfWork) -> None:
        uow.emit(tock(key=event.key, seq=event.seq + 1))

    async def on_tock(event: Any, envelope: Envelope, uow: UnitOfWork) -> None:
        await uow.session.execute(
            insert(app.effects).values(
                event_id=envelope.event_id, key=event.key, seq=event.seq, consumer="tock"
            )
        )

    async def on_ticks(items: Any, uow: UnitOfWork) -> set[uuid.UUID]:
        events = [tock(key=event.key, seq=event.seq + 1) for event, _ in items]
        uow.emit_many(events, causes=[envelope for _, envelope in items])
        return set()

    policy = ConsumerPolicy(max_attempts=2, backoff_base_s=0.01, backoff_max_s=0.2)
    producer = make_producer(kafka_bootstrap, client_id="traced-relay")
    await producer.start()
    stop = asyncio.Event()
    relay = Relay(
        engine,
        producer,
        listen_dsn=fresh_database,
        config=RelayConfig(batch_size=100, poll_interval_s=0.1),
    )
    relaying = asyncio.create_task(relay.run(stop))
    brokers: list[KafkaBroker] = []
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=http), base_url="http://traced"
        ) as client:
            answers = [await client.post(f"/ticks/k{n}") for n in range(3 if batch else 1)]
        assert {a.status_code for a in answers} == {202}
        trace_ids = [a.headers["traceparent"].split("-")[1] for a in answers]
        assert len(set(trace_ids)) == len(trace_ids)
        # the consumers start once the events are on the topic: one fetch takes them all
        deadline = time.monotonic() + 30
        while await scalar(engine, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"):
            assert time.monotonic() < deadline, "the relay did not publish"
            await asyncio.sleep(0.05)
        brokers += [
            await _consumer(
                kafka_bootstrap,
                topic,
                Dispatcher(
                    consumer=f"traced-{topic}",
                    uow_factory=new_uow,
                    handlers={event: handler},
                    batch_handlers={tick: on_ticks} if batch and event is tick else None,
                    policy=policy,
                ),
                f"traced-{uuid.uuid4().hex[:6]}",
            )
            for topic, event, handler in ((first, tick, on_tick), (second, tock, on_tock))
        ]

        for trace_id in trace_ids:
            spans = await _chain(receiver, trace_id, first, second)
            _check(spans, first, batch)
    finally:
        stop.set()
        await relaying
        for broker in brokers:
            await broker.stop()
        await producer.stop()
        await engine.dispose()


async def _chain(
    receiver: OtlpReceiver, trace_id: str, first: str, second: str
) -> list[ReceivedSpan]:
    """The trace's spans once it has the request, both publishes, both handlers and the
    second handler's database work."""
    deadline = time.monotonic() + 60
    while True:
        spans = receiver.trace(trace_id)
        last = _one(spans, kind="consumer", name=f"{second} process")
        if (
            _one(spans, kind="server")
            and _one(spans, kind="producer", name=f"{first} publish")
            and _one(spans, kind="consumer", name=f"{first} process")
            and _one(spans, kind="producer", name=f"{second} publish")
            and last
            and any(s.parent_span_id == last.span_id for s in spans)
        ):
            return spans
        assert time.monotonic() < deadline, (
            f"trace {trace_id} incomplete: {[(s.service, s.kind, s.name) for s in spans]}"
        )
        await asyncio.sleep(0.1)


def _check(spans: list[ReceivedSpan], first: str, batch: bool) -> None:
    def one(kind: str, name: str = "") -> ReceivedSpan:
        match = [s for s in spans if s.kind == kind and (not name or s.name.startswith(name))]
        assert len(match) == 1, match
        return match[0]

    server = one("server")
    publish1, process1 = one("producer", first), one("consumer", first)
    publish2 = next(s for s in spans if s.kind == "producer" and s is not publish1)
    process2 = next(s for s in spans if s.kind == "consumer" and s is not process1)
    by_id = {s.span_id: s for s in spans}

    def ancestors(span: ReceivedSpan) -> list[str]:
        out = []
        while span.parent_span_id in by_id:
            span = by_id[span.parent_span_id]
            out.append(span.span_id)
        return out

    # the request's outbox row names a span of the request; each hop is a child of the last
    assert server.span_id in ancestors(publish1)
    assert process1.parent_span_id == publish1.span_id
    assert publish2.parent_span_id == process1.span_id
    assert process2.parent_span_id == publish2.span_id
    assert bool(process1.attributes.get("kairos.batch")) is batch
    # the client's call is the root; the request's and handlers' database work inside them
    assert all(s.parent_span_id is None or s.parent_span_id in by_id for s in spans)
    db = [s for s in spans if s.kind == "client"]
    assert any(server.span_id in ancestors(s) for s in db)
    assert any(process2.span_id in ancestors(s) for s in db)
    assert {s.attributes["messaging.destination.name"] for s in (publish1, process1)} == {first}
    assert {s.service for s in spans} == {"test-all"}
