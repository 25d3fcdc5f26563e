"""Dead letters on real PostgreSQL and the broker: a handler fails until its cause is fixed,
its record is dead-lettered and listed with its error, the command re-drives it after the
fix and it takes effect once; a second re-drive does nothing, and another service (consumer
group) that handled the event the first time does not handle it again."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import insert, pool, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kairos_contracts import Envelope
from kairos_contracts.topics import dlq_topic
from kairos_platform import dead_letters
from kairos_platform.auth import JWTVerifier, StaticKeySource
from kairos_platform.http import create_app
from kairos_platform.messaging.consumer import ConsumerPolicy, Dispatcher, Outcome
from kairos_platform.messaging.kafka import bootstrap_servers, consumer_router, make_producer
from kairos_platform.messaging.relay import Relay
from kairos_platform.service import Service
from kairos_platform.settings import ServiceSettings
from kairos_platform.tokens_cli import mint_token
from kairos_platform.uow import UnitOfWork

from . import messaging_app as app
from .test_messaging import ensure_topic, eventually, scalar

pytestmark = pytest.mark.integration


def service_of(name: str, url: str, engine: AsyncEngine) -> Service[Any]:
    return Service(
        name=name,
        settings=ServiceSettings(SERVICE_NAME=name, DATABASE_URL=url),
        engine=engine,
        metadata=app.metadata,
        uow_factory=app.uow_factory(engine, source=name),
        handlers={},
        topics=[],
        routers=[dead_letters.router],
        migrations=Path("."),
    )


def admin_client(service: Service[Any], keypair: tuple[bytes, bytes]) -> httpx.AsyncClient:
    verifier = JWTVerifier(
        StaticKeySource.from_pem(keypair[1]), issuer="kairos-local", audience="kairos"
    )
    http = create_app(service.settings, title="t", routers=[dead_letters.router], verifier=verifier)
    http.state.service = service
    token = mint_token(keypair[0], sub=uuid.uuid4(), roles=["admin"], issuer="kairos-local",
                       audience="kairos", ttl_s=600)  # fmt: skip
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=http, raise_app_exceptions=False),
        base_url="http://t",
        headers={"Authorization": f"Bearer {token}"},
    )


def printed(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The command's JSON lines (the broker's client may log to stdout too)."""
    out = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in out if line.startswith('{"event_id"')]


async def test_a_dead_letter_redriven_after_its_cause_is_fixed_takes_effect_once(
    engine: AsyncEngine,
    fresh_database: str,
    kafka_bootstrap: str,
    keypair: tuple[bytes, bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic = f"test.ticks.{uuid.uuid4().hex[:8]}"
    await ensure_topic(kafka_bootstrap, topic, partitions=1)
    await ensure_topic(kafka_bootstrap, dlq_topic(topic), partitions=1)
    tick = app.tick_event(topic)
    cause = {"fixed": False}
    outcomes: dict[str, list[Outcome]] = {"fragile": [], "steady": []}

    def handler(consumer: str) -> Any:
        async def on_tick(event: Any, envelope: Envelope, uow: UnitOfWork) -> None:
            if consumer == "fragile" and event.seq == 1 and not cause["fixed"]:
                raise LookupError(f"offering of tick {event.seq} not known yet")
            await uow.session.execute(
                insert(app.effects).values(
                    event_id=envelope.event_id, key=event.key, seq=event.seq, consumer=consumer
                )
            )

        return on_tick

    def recorder(found: list[Outcome]) -> Callable[[str, Outcome, float], None]:
        return lambda _type, outcome, _seconds: found.append(outcome)

    brokers: list[KafkaBroker] = []
    for consumer in ("fragile", "steady"):  # two services: two consumer groups, two inboxes
        dispatcher = Dispatcher(
            consumer=consumer,
            uow_factory=app.uow_factory(engine),
            handlers={tick: handler(consumer)},
            policy=ConsumerPolicy(max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.2),
            on_outcome=recorder(outcomes[consumer]),
        )
        broker = KafkaBroker(bootstrap_servers(kafka_bootstrap), client_id=consumer)
        broker.include_router(
            consumer_router(
                dispatcher,
                topics=[topic],
                group_id=f"{consumer}-{topic}",
                session_timeout_ms=2000,
            )
        )
        await broker.start()
        brokers.append(broker)
    producer = make_producer(kafka_bootstrap, client_id="t")
    await producer.start()
    relay = Relay(engine, producer)

    async def relayed() -> bool:
        while await relay.relay_once():
            pass
        return True

    async def effects(consumer: str, seq: int | None = None) -> int:
        where = "" if seq is None else " AND seq = :seq"
        return await scalar(
            engine,
            f"SELECT count(*) FROM effects WHERE consumer = :c{where}",
            c=consumer,
            seq=seq,
        )

    fragile = service_of("fragile", fresh_database, engine)
    # the command runs on its own event loop (a thread): an engine without a pool
    command_engine = create_async_engine(app.asyncpg_url(fresh_database), poolclass=pool.NullPool)
    command_service = service_of("fragile", fresh_database, command_engine)
    client = admin_client(fragile, keypair)
    try:
        sent = await app.emit_ticks(engine, topic, ["k"], per_key=3)
        failing = sent[1].event_id
        await relayed()

        async def seq_2_done() -> bool:
            return await effects("fragile", 2) == 1 and await effects("steady") == 3

        await eventually(seq_2_done, timeout=60, what="the ticks behind the failing one")
        assert await effects("fragile", 1) == 0
        assert outcomes["fragile"].count(Outcome.DEAD_LETTERED) == 1

        # listed with its error, by the command and the route
        assert await asyncio.to_thread(dead_letters.main, ["list"], command_service) == 0
        lines = printed(capsys)
        assert [line["event_id"] for line in lines] == [str(failing)]
        assert "LookupError: offering of tick 1 not known yet" in lines[0]["error"]
        listed = (await client.get("/system/dead-letters")).json()
        assert listed["has_more"] is False and len(listed["items"]) == 1
        item = listed["items"][0]
        assert item["event_id"] == str(failing) and item["attempts"] == 3
        assert item["topic"] == topic and item["key"] == "k" and item["redrivable"] is True
        assert item["event_type"] == tick.TYPE and item["offset"] == 1

        # re-driven before the cause is fixed: taken again, dead-lettered again, listed again
        first = await client.post(f"/system/dead-letters/{failing}/redrive")
        assert first.status_code == 202, first.text
        assert first.json() == {"event_id": str(failing), "event_type": tick.TYPE, "topic": topic}
        assert (await client.get("/system/dead-letters")).json()["items"] == []
        await relayed()

        async def parked_again() -> bool:
            items = (await client.get("/system/dead-letters")).json()["items"]
            return bool(items) and items[0]["dead_lettered_at"] != item["dead_lettered_at"]

        await eventually(parked_again, timeout=60, what="the second dead-lettering")
        again_listed = (await client.get("/system/dead-letters")).json()["items"]
        assert again_listed[0]["offset"] > item["offset"]  # the re-driven record
        assert "not known yet" in again_listed[0]["error"] and again_listed[0]["attempts"] == 3
        assert await effects("fragile", 1) == 0 and await effects("steady", 1) == 1

        # the cause is fixed; the command re-drives it
        cause["fixed"] = True
        assert (
            await asyncio.to_thread(dead_letters.main, ["redrive", str(failing)], command_service)
            == 0
        )
        assert printed(capsys) == [
            {
                "event_id": str(failing),
                "result": "redriven",
            }
        ]
        assert (await client.get("/system/dead-letters")).json()["items"] == []

        # a second re-drive does nothing: 409 for the one, an empty answer for all
        unsent = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
        before = await scalar(engine, unsent)
        again = await client.post(f"/system/dead-letters/{failing}/redrive")
        assert again.status_code == 409, again.text
        assert again.headers["content-type"].startswith("application/problem+json")
        assert again.json()["type"].endswith("/already-redriven")
        every = await client.post("/system/dead-letters/redrive")
        assert every.status_code == 200 and every.json() == {"redriven": [], "left": []}
        unknown = await client.post(f"/system/dead-letters/{uuid.uuid4()}/redrive")
        assert unknown.status_code == 404
        assert await scalar(engine, unsent) == before

        # a sentinel behind it: once both consumers handled it, they saw the re-driven record
        async with app.uow_factory(engine)() as uow:
            uow.emit(tick(key="k", seq=9))
            await uow.commit()
        await relayed()

        async def sentinel_seen() -> bool:
            return await effects("fragile", 9) == 1 and await effects("steady", 9) == 1

        await eventually(sentinel_seen, timeout=60, what="the sentinel tick")
        assert await effects("fragile", 1) == 1  # took effect, once
        assert await effects("steady", 1) == 1  # the other service skipped it
        assert outcomes["steady"].count(Outcome.DUPLICATE) == 2  # both re-driven records
        assert outcomes["fragile"].count(Outcome.HANDLED) == 4  # seqs 0, 2, 1 again, 9
        assert outcomes["fragile"].count(Outcome.DEAD_LETTERED) == 2
        async with engine.connect() as conn:
            claims: dict[str, str] = dict(
                (
                    await conn.execute(
                        text("SELECT consumer, outcome FROM inbox WHERE event_id = :e"),
                        {"e": failing},
                    )
                ).all()
            )
        assert claims == {"fragile": "handled", "steady": "handled"}
    finally:
        await client.aclose()
        for broker in brokers:
            await broker.stop()
        await producer.stop()
        await command_engine.dispose()
