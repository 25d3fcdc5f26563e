"""The inbox: each (consumer, event id) takes effect once."""

from __future__ import annotations

import uuid
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from kairos_platform.db import driver
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
    Run on the driver (``kairos_platform.db.driver``): every event of every consumer runs it.
    """
    conn = await driver(session)
    sql = _claim_sql(tables.inbox.name)
    return await conn.fetchval(sql, consumer, event_id, event_type, outcome) is not None


@cache
def _claim_sql(inbox: str) -> str:
    return (
        f"INSERT INTO {inbox} (consumer, event_id, event_type, outcome) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
    )
