"""Writing events into the outbox, inside the caller's business transaction.

Two ways to build the rows, one statement to write them (``append``):

* ``envelope_row``: one ``Envelope`` model per event (what ``UnitOfWork.emit`` builds);
  ``add_rows`` writes such rows.
* ``EnvelopeWriter``: for jobs that emit thousands of events in one transaction. The event
  is still a validated contract model and its payload is dumped by its own pydantic
  serializer, but the envelope around it is assembled as JSON text directly (no
  ``Envelope`` model, no second dump). The stored envelope is the one ``Envelope.wrap``
  would have made (tests compare them row for row).

``append`` inserts every row of a transaction with one ``INSERT ... SELECT FROM
unnest(...)`` that also wakes the relays (NOTIFY), on the driver: every transaction that
emits runs it.
"""

from __future__ import annotations

import functools
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from pydantic import AwareDatetime, TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_contracts import Envelope, Event
from kairos_contracts.envelope import TraceContext
from kairos_platform.db import driver
from kairos_platform.messaging.tables import OUTBOX_CHANNEL, MessagingTables, bucket_of


def envelope_row(envelope: Envelope) -> dict[str, Any]:
    return raw_row(
        event_id=envelope.event_id,
        topic=envelope.topic,
        key=envelope.subject,
        event_type=envelope.type,
        payload=envelope.model_dump(mode="json"),
        headers=_headers_of(envelope),
    )


def raw_row(
    *,
    event_id: Any,
    topic: str,
    key: str,
    event_type: str,
    payload: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "topic": topic,
        "key": key,
        "bucket": bucket_of(key),
        "event_type": event_type,
        "payload": payload,
        "headers": headers or {},
    }


async def add_rows(
    session: AsyncSession, tables: MessagingTables, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows of ``envelope_row`` / ``raw_row`` (``append``)."""
    await append(session, tables, [json_row(r) for r in rows])


def _headers_of(envelope: Envelope) -> dict[str, str]:
    # Duplicated in headers so routers, dead-letter tooling and tracing can read them
    # without parsing the body.
    headers = {
        "event_id": str(envelope.event_id),
        "event_type": envelope.type,
        "event_version": str(envelope.version),
        "correlation_id": str(envelope.correlation_id),
        "content-type": "application/json",
    }
    if envelope.trace.traceparent:
        headers["traceparent"] = envelope.trace.traceparent
    return headers


# --- bulk path ------------------------------------------------------------------------------


class JsonRow(NamedTuple):
    """An outbox row with its payload and headers already as JSON text."""

    event_id: uuid.UUID
    topic: str
    key: str
    bucket: int
    event_type: str
    payload: str
    headers: str


# a string as JSON, escaped as pydantic escapes it: the payload text is the exact bytes of
# ``Envelope.to_json()`` for the same envelope (tests compare them)
_dumps = functools.partial(json.dumps, ensure_ascii=False)
_AT = TypeAdapter(AwareDatetime)


def _uuid4s(n: int) -> Iterable[uuid.UUID]:
    """``n`` random (version 4) UUIDs from one read of the OS's random source."""
    raw = os.urandom(16 * n)
    return (uuid.UUID(bytes=raw[i : i + 16], version=4) for i in range(0, 16 * n, 16))


class EnvelopeWriter:
    """Outbox rows for many events that share their envelope context (source, correlation,
    causation, trace, time), without an ``Envelope`` model per event.

    The row is what ``envelope_row(Envelope.wrap(event, ...))`` gives for the same event id
    and time: ``correlation_id`` None starts a new chain per event (its own event id),
    ``data`` is the event without ``null`` fields. ``occurred_at`` is the writer's time
    (one per batch: they occur in one transaction).
    """

    def __init__(
        self,
        *,
        source: str,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        trace: TraceContext | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        trace = trace or TraceContext()
        at = occurred_at or datetime.now(UTC)
        self._correlation = str(correlation_id) if correlation_id else None
        # the envelope's fields in Envelope's order, around the per-event ones
        self._source = _dumps(source)
        self._at = _AT.dump_json(at).decode()
        self._causation = _dumps(str(causation_id)) if causation_id else "null"
        self._trace, self._traceparent = _trace_parts(trace)

    def rows(
        self, events: Sequence[Event], causes: Sequence[Envelope] | None = None
    ) -> list[JsonRow]:
        """Rows for ``events``, in order. With ``causes`` (one per event), each event is
        caused by its own envelope, as ``cause.caused(event)`` makes it: that envelope's
        correlation and trace, causation = its event id (the writer's context then gives
        only the source and the time)."""
        ids = _uuid4s(len(events))
        if causes is None:
            return [self._row(e, i) for e, i in zip(events, ids, strict=True)]
        traces: dict[TraceContext, tuple[str, str]] = {}
        rows = []
        for event, event_id, cause in zip(events, ids, causes, strict=True):
            trace = traces.get(cause.trace)
            if trace is None:
                trace = traces[cause.trace] = _trace_parts(cause.trace)
            rows.append(
                self._row(
                    event,
                    event_id,
                    str(cause.correlation_id),
                    f'"{cause.event_id}"',
                    *trace,
                )
            )
        return rows

    def row(self, event: Event, event_id: uuid.UUID | None = None) -> JsonRow:
        return self._row(event, event_id or uuid.uuid4())

    def _row(
        self,
        event: Event,
        event_id: uuid.UUID,
        correlation: str | None = None,
        causation: str | None = None,
        trace: str | None = None,
        traceparent: str | None = None,
    ) -> JsonRow:
        cls = type(event)
        eid = str(event_id)
        subject = event.aggregate_id()
        correlation = correlation or self._correlation or eid
        data = cls.__pydantic_serializer__.to_json(event, exclude_none=True).decode()
        type_ = _dumps(cls.TYPE)
        payload = (
            f'{{"event_id":"{eid}","type":{type_},"version":{cls.VERSION:d},'
            f'"source":{self._source},"occurred_at":{self._at},"subject":{_dumps(subject)},'
            f'"correlation_id":"{correlation}","causation_id":{causation or self._causation},'
            f'"trace":{trace or self._trace},"data":{data}}}'
        )
        headers = (
            f'{{"event_id":"{eid}","event_type":{type_},"event_version":"{cls.VERSION:d}",'
            f'"correlation_id":"{correlation}","content-type":"application/json"'
            f"{self._traceparent if traceparent is None else traceparent}}}"
        )
        return JsonRow(event_id, cls.TOPIC, subject, bucket_of(subject), cls.TYPE, payload, headers)


def _trace_parts(trace: TraceContext) -> tuple[str, str]:
    """A trace context as the envelope's ``trace`` field and its ``traceparent`` header."""
    header = f',"traceparent":{_dumps(trace.traceparent)}' if trace.traceparent else ""
    return trace.model_dump_json(), header


def envelope_json_row(envelope: Envelope) -> JsonRow:
    """``json_row(envelope_row(envelope))``, the payload dumped by pydantic straight to JSON."""
    return JsonRow(
        envelope.event_id,
        envelope.topic,
        envelope.subject,
        bucket_of(envelope.subject),
        envelope.type,
        envelope.model_dump_json(),
        _dumps(_headers_of(envelope)),
    )


def json_row(row: dict[str, Any]) -> JsonRow:
    """A row of ``envelope_row`` / ``raw_row`` as a ``JsonRow`` (to append them together)."""
    return JsonRow(
        row["event_id"],
        row["topic"],
        row["key"],
        row["bucket"],
        row["event_type"],
        _dumps(row["payload"]),
        _dumps(row["headers"]),
    )


async def append(session: AsyncSession, tables: MessagingTables, rows: Sequence[JsonRow]) -> None:
    """Insert outbox rows in one statement, in the given order (ids follow it, so the relay
    publishes them in that order), and wake the relays when the transaction commits
    (NOTIFY is transactional: relays hear it only if the rows are really committed)."""
    if not rows:
        return
    conn = await driver(session)
    await conn.execute(
        _append_sql(tables.outbox.name),
        [r.event_id for r in rows],
        [r.topic for r in rows],
        [r.key for r in rows],
        [r.bucket for r in rows],
        [r.event_type for r in rows],
        [r.payload for r in rows],
        [r.headers for r in rows],
        OUTBOX_CHANNEL,
    )


@cache
def _append_sql(table: str) -> str:
    # a data-modifying WITH runs to completion whether or not the query reads it
    return f"""
        WITH written AS (
            INSERT INTO {table} (event_id, topic, key, bucket, event_type, payload, headers)
            SELECT i, t, k, b, y, CAST(p AS jsonb), CAST(h AS jsonb)
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::smallint[], $5::text[],
                        $6::text[], $7::text[])
                 WITH ORDINALITY AS u(i, t, k, b, y, p, h, n)
            ORDER BY n
        )
        SELECT pg_notify($8, '')
        """
