"""The bulk outbox path against real PostgreSQL: ``append`` stores exactly the rows
``add_rows`` stores, in the given order; ``UnitOfWork.emit_many`` keeps emission order with
``emit``, wakes the relays on commit only, and a rollback leaves nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_contracts import Envelope
from kairos_contracts.envelope import TraceContext
from kairos_contracts.events.attendance import AbsenceRecorded, MenteeWarned
from kairos_contracts.examples import example
from kairos_contracts.registry import all_events
from kairos_platform.db import make_session_factory
from kairos_platform.messaging import outbox
from kairos_platform.messaging.tables import OUTBOX_CHANNEL, bucket_of

from . import messaging_app as app

pytestmark = pytest.mark.integration
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
COLUMNS = "event_id, topic, key, bucket, event_type, payload, headers"


async def _stored(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(f"SELECT {COLUMNS} FROM outbox ORDER BY id")))


async def test_bulk_append_stores_the_rows_the_single_append_stores(engine: AsyncEngine) -> None:
    at = datetime(2030, 1, 7, 17, 0, 0, 250000, tzinfo=UTC)
    ctx: dict[str, Any] = {
        "source": "attendance",
        "correlation_id": uuid.uuid4(),
        "causation_id": uuid.uuid4(),
        "trace": TraceContext(traceparent=TRACEPARENT),
    }
    events = [example(cls) for cls in all_events()]
    ids = [uuid.uuid4() for _ in events]
    envelopes = [
        Envelope.wrap(e, event_id=i, **ctx).model_copy(update={"occurred_at": at})
        for e, i in zip(events, ids, strict=True)
    ]
    sessions = make_session_factory(engine)

    async with sessions() as s:
        await outbox.add_rows(s, app.tables, [outbox.envelope_row(e) for e in envelopes])
        await s.commit()
    single = await _stored(engine)
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM outbox"))

    writer = outbox.EnvelopeWriter(occurred_at=at, **ctx)
    async with sessions() as s:
        await outbox.append(
            s, app.tables, [writer.row(e, i) for e, i in zip(events, ids, strict=True)]
        )
        await s.commit()
    bulk = await _stored(engine)

    assert len(bulk) == len(events) > 20
    assert [r.event_id for r in bulk] == ids  # in the given order
    assert bulk == single


async def test_emit_many_keeps_order_commits_atomically_and_notifies_on_commit(
    engine: AsyncEngine, fresh_database: str
) -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(fresh_database)
    await listener.add_listener(OUTBOX_CHANNEL, lambda *a: heard.put_nowait(a[2]))
    new_uow = app.uow_factory(engine, source="attendance")
    warned = [example(MenteeWarned, booking_id=uuid.uuid4()) for _ in range(3)]
    absent = [example(AbsenceRecorded, booking_id=uuid.uuid4()) for _ in range(2000)]
    try:
        async with new_uow() as uow:  # rolled back: nothing written, nobody woken
            uow.emit_many(absent)
        assert await _stored(engine) == []

        async with new_uow() as uow:
            first = uow.emit(warned[0])
            uow.emit_many(absent)
            uow.emit_many(warned[1:2])
            last = uow.emit(warned[2])
            assert uow.pending == [first, last]
            assert heard.empty()
            await uow.commit()
        await asyncio.wait_for(heard.get(), timeout=10)
    finally:
        await listener.close()

    rows = await _stored(engine)
    got = [Envelope.model_validate(r.payload) for r in rows]
    assert [e.payload() for e in got] == [warned[0], *absent, warned[1], warned[2]]
    assert [e.event_id for e in got] == [r.event_id for r in rows]
    assert got[0] == first and got[-1] == last
    assert {e.source for e in got} == {"attendance"}
    assert all(e.correlation_id == e.event_id for e in got)  # no request: each starts a chain
    assert [r.key for r in rows] == [e.subject for e in got]
    assert [r.bucket for r in rows] == [bucket_of(e.subject) for e in got]
