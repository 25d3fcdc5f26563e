"""The bulk outbox path (EnvelopeWriter) writes the envelope ``Envelope.wrap`` makes, for
every registered event and every envelope context: same JSON bytes, same row fields, same
headers as ``envelope_row``."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Required, TypedDict

import pytest

from kairos_contracts import Envelope, Event
from kairos_contracts.envelope import TraceContext
from kairos_contracts.events.attendance import MenteeWarned
from kairos_contracts.examples import example
from kairos_contracts.registry import all_events
from kairos_contracts.types import Person
from kairos_platform.messaging.outbox import (
    EnvelopeWriter,
    envelope_json_row,
    envelope_row,
    json_row,
)

TRACE = TraceContext(
    traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate="k=v"
)


class Context(TypedDict, total=False):
    """The envelope context ``Envelope.wrap`` and ``EnvelopeWriter`` both take."""

    source: Required[str]
    correlation_id: uuid.UUID
    causation_id: uuid.UUID
    trace: TraceContext


CONTEXTS: dict[str, Context] = {
    "new chain": {"source": "attendance"},
    "caused": {
        "source": "booking",
        "correlation_id": uuid.uuid4(),
        "causation_id": uuid.uuid4(),
        "trace": TRACE,
    },
    "request": {"source": 'odd "sou\\rce" ñ', "correlation_id": uuid.uuid4(), "trace": TRACE},
}
TIMES = [
    datetime(2030, 1, 7, 17, 0, tzinfo=UTC),
    datetime(2030, 1, 7, 17, 0, 0, 123456, tzinfo=UTC),
    datetime(2030, 1, 7, 17, 0, 0, 5, tzinfo=timezone(timedelta(hours=2))),
]


def _reference(event: Event, eid: uuid.UUID, at: datetime, ctx: Context) -> Envelope:
    env = Envelope.wrap(event, event_id=eid, **ctx)
    return env.model_copy(update={"occurred_at": at})


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("event_cls", all_events(), ids=lambda c: c.TYPE)
def test_every_event_is_written_as_the_envelope_model_writes_it(
    event_cls: type[Event], context: str
) -> None:
    ctx = CONTEXTS[context]
    event = example(event_cls)
    for at in TIMES:
        eid = uuid.uuid4()
        ref = _reference(event, eid, at, ctx)
        row = EnvelopeWriter(occurred_at=at, **ctx).row(event, eid)
        assert row.payload.encode() == ref.to_json()  # the very bytes
        old = envelope_row(ref)
        assert row._replace(payload="", headers="") == json_row(old)._replace(
            payload="", headers=""
        )
        assert json.loads(row.payload) == old["payload"]
        assert json.loads(row.headers) == old["headers"]
        direct = envelope_json_row(ref)  # what UnitOfWork.commit writes for emit()
        assert direct._replace(payload="") == json_row(old)._replace(payload="")
        assert json.loads(direct.payload) == old["payload"]
        parsed = Envelope.from_json(row.payload)
        assert parsed == ref and parsed.payload() == event


def test_none_fields_are_left_out_and_odd_strings_survive() -> None:
    mentee = Person(user_id=uuid.uuid4(), email='a"b\\c@x.org', display_name="Zoë\n\t\u2028 ✓")
    event = example(MenteeWarned, subscription_id=None, mentee=mentee)
    eid, at = uuid.uuid4(), TIMES[1]
    row = EnvelopeWriter(source="attendance", occurred_at=at).row(event, eid)
    ref = _reference(event, eid, at, {"source": "attendance"})
    assert row.payload.encode() == ref.to_json()
    assert "subscription_id" not in json.loads(row.payload)["data"]


def test_rows_get_distinct_version_4_ids_and_start_their_own_chains() -> None:
    events = [example(MenteeWarned, booking_id=uuid.uuid4()) for _ in range(50)]
    rows = EnvelopeWriter(source="attendance").rows(events)
    ids = [r.event_id for r in rows]
    assert len(set(ids)) == 50 and all(i.version == 4 for i in ids)
    for r in rows:
        env = Envelope.from_json(r.payload)
        assert env.event_id == r.event_id == env.correlation_id  # no correlation given
        assert r.key == env.subject == str(env.payload().aggregate_id())
        assert r.topic == env.topic


async def test_the_fake_unit_of_work_records_emit_many_like_emit() -> None:
    from kairos_platform.testing import FakeUnitOfWork

    events = [example(MenteeWarned, booking_id=uuid.uuid4()) for _ in range(3)]
    async with FakeUnitOfWork("attendance") as uow:
        uow.emit(events[0])
        uow.emit_many(events[1:])
        await uow.commit()
    assert uow.events(MenteeWarned) == events


@pytest.mark.parametrize("event_cls", all_events(), ids=lambda c: c.TYPE)
def test_rows_caused_each_by_its_own_envelope_are_what_caused_writes(
    event_cls: type[Event],
) -> None:
    """``rows(events, causes)``: each event as ``cause.caused(event)`` wraps it (the cause's
    correlation and trace, caused by it), causes with and without a trace mixed."""
    event = example(event_cls)
    causes = [
        Envelope.wrap(example(MenteeWarned), source="payments", trace=TRACE),
        Envelope.wrap(example(MenteeWarned), source="payments", correlation_id=uuid.uuid4()),
        Envelope.wrap(example(MenteeWarned), source="payments", trace=TRACE),
    ]
    at = TIMES[1]
    writer = EnvelopeWriter(source="booking", occurred_at=at)
    rows = writer.rows([event] * len(causes), causes)
    for row, cause in zip(rows, causes, strict=True):
        ref = cause.caused(event, source="booking").model_copy(
            update={"event_id": row.event_id, "occurred_at": at}
        )
        assert row.payload.encode() == ref.to_json()  # the very bytes
        assert json.loads(row.headers) == envelope_row(ref)["headers"]
        assert row._replace(payload="", headers="") == json_row(envelope_row(ref))._replace(
            payload="", headers=""
        )


async def test_the_fake_unit_of_work_records_emit_many_with_causes_like_emit() -> None:
    from kairos_platform.testing import FakeUnitOfWork

    events = [example(MenteeWarned, booking_id=uuid.uuid4()) for _ in range(3)]
    causes = [Envelope.wrap(example(MenteeWarned), source="payments") for _ in events]
    async with FakeUnitOfWork("attendance") as uow:
        uow.emit_many(events, causes=causes)
        await uow.commit()
    assert uow.events(MenteeWarned) == events
    assert [(e.causation_id, e.correlation_id) for e in uow.committed] == [
        (c.event_id, c.correlation_id) for c in causes
    ]
    assert uow.cause is None  # its own cause is left as it was
