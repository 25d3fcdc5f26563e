"""SQL repository of private ICS feeds (only token hashes are stored)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters.orm import feeds


class SqlFeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, token_hash: str, user_id: uuid.UUID) -> None:
        await self._s.execute(feeds.insert().values(token_hash=token_hash, user_id=user_id))

    async def owner(self, token_hash: str) -> uuid.UUID | None:
        """The user of a live (not revoked) feed."""
        q = (
            select(feeds.c.user_id)
            .where(feeds.c.token_hash == token_hash)
            .where(feeds.c.revoked_at.is_(None))
        )
        return (await self._s.execute(q)).scalar()

    async def revoke(self, token_hash: str) -> None:
        await self._s.execute(
            update(feeds).where(feeds.c.token_hash == token_hash).values(revoked_at=func.now())
        )
