"""The inbox: each (consumer, event id) takes effect once."""

from __future__ import annotations

import uuid

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
    stmt = (
        insert(tables.inbox)
        .values(consumer=consumer, event_id=event_id, event_type=event_type, outcome=outcome)
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(tables.inbox.c.event_id)
    )
    result = await session.execute(stmt)
    return result.first() is not None
