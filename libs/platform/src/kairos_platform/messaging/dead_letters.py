"""Dead letters kept in the service's database: recorded by the consumer when it parks a
record on ``<topic>.dlq``, listed and re-driven by an operator (``kairos_platform.dead_letters``
gives the admin routes and the ``kairos-dead-letters`` command).

Recording happens in the transaction that claims the inbox row with outcome
``dead_lettered`` and writes the DLQ record to the outbox, so the three agree.

Re-driving one dead letter is ONE transaction:

1. lock its ``dead_letters`` row, still pending (``redriven_at IS NULL``): a concurrent or
   second re-drive waits, then finds nothing pending and does nothing;
2. release the dead-letter claim: delete this consumer's inbox row whose outcome is
   ``dead_lettered`` (only that one: a claim that is no longer a dead letter is kept);
3. write the original record back to its original topic through the outbox, with the same
   envelope (event id) and key: this consumer, its claim released, handles it like any
   other record; every other consumer of the topic already has that event id in its inbox
   and skips it as a duplicate;
4. mark the row re-driven.

The re-driven record lands after whatever was published on its key meanwhile: per-key order
is not kept for it (docs/architecture.md, "Dead letters").
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_contracts import Envelope
from kairos_platform.messaging import outbox
from kairos_platform.messaging.tables import MessagingTables

DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class DeadLetter:
    """One record a consumer gave up on, as kept beside its inbox claim."""

    consumer: str
    event_id: uuid.UUID
    event_type: str | None
    topic: str
    partition: int
    offset: int
    key: str | None
    error: str
    attempts: int
    original: str | None
    dead_lettered_at: datetime
    redriven_at: datetime | None = None

    @property
    def redrivable(self) -> bool:
        return redrive_row(self) is not None


class RedriveResult(StrEnum):
    REDRIVEN = "redriven"
    #: re-driven before (and not dead-lettered again since)
    ALREADY_REDRIVEN = "already_redriven"
    #: no dead letter of this consumer has that event id
    UNKNOWN = "unknown"
    #: the record cannot be read as an envelope: writing it back would only poison again
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Redrive:
    event_id: uuid.UUID
    result: RedriveResult
    topic: str | None = None
    event_type: str | None = None


def redrive_row(dead: DeadLetter) -> dict[str, Any] | None:
    """The outbox row that writes ``dead``'s original record back to its topic, with its
    envelope (so its event id) and key unchanged; None when the original is not an envelope
    of that event id (an unreadable record)."""
    if dead.original is None:
        return None
    try:
        envelope = Envelope.model_validate_json(dead.original)
    except (ValidationError, ValueError):
        return None
    if envelope.event_id != dead.event_id:
        return None
    payload = json.loads(dead.original)
    headers = outbox._headers_of(envelope)
    headers["redriven_by"] = dead.consumer
    return outbox.raw_row(
        # the outbox row's own id (unique among this database's rows); the event id the
        # inboxes dedup on is the envelope's, unchanged
        event_id=uuid.uuid4(),
        topic=dead.topic,
        key=dead.key if dead.key else envelope.subject,
        event_type=envelope.type,
        payload=payload,
        headers=headers,
    )


async def record(
    session: AsyncSession,
    tables: MessagingTables,
    *,
    consumer: str,
    event_id: uuid.UUID,
    event_type: str | None,
    topic: str,
    partition: int,
    offset: int,
    key: str | None,
    error: str,
    attempts: int,
    original: str | None,
) -> None:
    """Keep a dead letter (in the caller's transaction). A record dead-lettered again after
    a re-drive is pending again, with its new error."""
    t = tables.dead_letters
    values = {
        "consumer": consumer,
        "event_id": event_id,
        "event_type": event_type,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key": key,
        "error": error,
        "attempts": attempts,
        "original": original,
    }
    stmt = insert(t).values(**values)
    changed = {k: stmt.excluded[k] for k in values if k not in ("consumer", "event_id")}
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["consumer", "event_id"],
            set_={**changed, "dead_lettered_at": func.now(), "redriven_at": None},
        )
    )


async def pending(
    session: AsyncSession,
    tables: MessagingTables,
    consumer: str,
    *,
    limit: int | None = None,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[DeadLetter]:
    """The consumer's dead letters not re-driven, oldest first (by when, then event id),
    only those whose inbox claim is still ``dead_lettered``."""
    t, inbox = tables.dead_letters, tables.inbox
    stmt = (
        select(t)
        .join(
            inbox,
            and_(
                inbox.c.consumer == t.c.consumer,
                inbox.c.event_id == t.c.event_id,
                inbox.c.outcome == DEAD_LETTERED,
            ),
        )
        .where(t.c.consumer == consumer, t.c.redriven_at.is_(None))
        .order_by(t.c.dead_lettered_at, t.c.event_id)
    )
    if after is not None:
        stmt = stmt.where(tuple_(t.c.dead_lettered_at, t.c.event_id) > tuple_(*after))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_dead_letter(r) for r in (await session.execute(stmt)).mappings()]


async def redrive(
    session: AsyncSession, tables: MessagingTables, consumer: str, event_id: uuid.UUID
) -> Redrive:
    """Re-drive one dead letter in the caller's transaction (the caller commits); see the
    module's doc. Anything but REDRIVEN changed nothing."""
    t = tables.dead_letters
    row = (
        (
            await session.execute(
                select(t)
                .where(t.c.consumer == consumer, t.c.event_id == event_id)
                .with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return Redrive(event_id, RedriveResult.UNKNOWN)
    dead = _dead_letter(row)
    if dead.redriven_at is not None:
        return Redrive(event_id, RedriveResult.ALREADY_REDRIVEN, dead.topic, dead.event_type)
    out = redrive_row(dead)
    if out is None:
        return Redrive(event_id, RedriveResult.UNREADABLE, dead.topic, dead.event_type)
    released = await session.execute(
        delete(tables.inbox)
        .where(
            tables.inbox.c.consumer == consumer,
            tables.inbox.c.event_id == event_id,
            tables.inbox.c.outcome == DEAD_LETTERED,
        )
        .returning(tables.inbox.c.event_id)
    )
    if released.first() is None:
        # the claim is not a dead letter any more (handled since): nothing to re-drive
        await session.execute(
            update(t)
            .where(t.c.consumer == consumer, t.c.event_id == event_id)
            .values(redriven_at=func.now())
        )
        return Redrive(event_id, RedriveResult.ALREADY_REDRIVEN, dead.topic, dead.event_type)
    await outbox.add_rows(session, tables, [out])
    await session.execute(
        update(t)
        .where(t.c.consumer == consumer, t.c.event_id == event_id)
        .values(redriven_at=func.now())
    )
    return Redrive(event_id, RedriveResult.REDRIVEN, dead.topic, dead.event_type)


async def redrive_all(
    session: AsyncSession, tables: MessagingTables, consumer: str
) -> list[Redrive]:
    """Re-drive every pending dead letter of the consumer, oldest first, in the caller's
    transaction; unreadable ones are left pending (and reported)."""
    results = []
    for dead in await pending(session, tables, consumer):
        results.append(await redrive(session, tables, consumer, dead.event_id))
    return results


def _dead_letter(row: Any) -> DeadLetter:
    return DeadLetter(
        consumer=row["consumer"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        topic=row["topic"],
        partition=row["partition"],
        offset=row["offset"],
        key=row["key"],
        error=row["error"],
        attempts=row["attempts"],
        original=row["original"],
        dead_lettered_at=row["dead_lettered_at"],
        redriven_at=row["redriven_at"],
    )
