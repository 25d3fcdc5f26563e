"""Writing events into the outbox, inside the caller's business transaction."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_contracts import Envelope
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
    """Insert outbox rows and wake the relays when the transaction commits.

    NOTIFY is transactional: relays hear it only if the rows are really committed.
    """
    if not rows:
        return
    await session.execute(_insert_statement(tables.outbox), list(rows))
    await session.execute(_NOTIFY, {"channel": OUTBOX_CHANNEL})


_NOTIFY = text("SELECT pg_notify(:channel, '')")


@cache
def _insert_statement(outbox: Table) -> Insert:
    """Built once per table (memoised cache key): every transaction that emits runs it."""
    return insert(outbox)


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
