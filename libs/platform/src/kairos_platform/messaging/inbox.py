"""The inbox: each (consumer, event id) takes effect once."""

from __future__ import annotations

import uuid
from functools import cache

from sqlalchemy import Insert, Table, bindparam
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_platform.messaging.tables import MessagingTables


async def claim(
    session: AsyncSession,
    tables: MessagingTables,
    *,
    consumer: str,
    event_id: uuid.UUID,
    event_type: str,
    outcome: str = "handled",
) -> bool:
    """Record the event as seen by this consumer; False when it was seen before.

    Runs in the handler's transaction: if the handler rolls back, so does the claim. A
    concurrent duplicate waits on the primary key until the first commits, then sees it.
    """
    params = {"consumer": consumer, "event_id": event_id, "event_type": event_type}
    result = await session.execute(_claim_statement(tables.inbox), {**params, "outcome": outcome})
    return result.first() is not None


@cache
def _claim_statement(inbox: Table) -> Insert:
    """Built once per table: a statement object memoises its cache key, so running it per
    event skips building the expression and keying SQLAlchemy's compiled cache."""
    return (
        insert(inbox)
        .values(
            consumer=bindparam("consumer"),
            event_id=bindparam("event_id"),
            event_type=bindparam("event_type"),
            outcome=bindparam("outcome"),
        )
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(inbox.c.event_id)
    )
