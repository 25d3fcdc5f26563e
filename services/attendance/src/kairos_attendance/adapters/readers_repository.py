"""SQL repository of the readers projection (each person's zone and locale for mail)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_attendance.adapters.orm import readers
from kairos_attendance.adapters.sql import among
from kairos_attendance.domain.readers import Reader

R = readers.c


class SqlReaderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def apply(self, reader: Reader) -> bool:
        """Keep ``reader`` unless what we hold was seen later (or at the same time): an
        older or replayed preference changes nothing. Whether it was kept."""
        new = insert(readers).values(
            user_id=reader.user_id,
            time_zone=reader.time_zone,
            locale=reader.locale,
            changed_at=reader.changed_at,
        )
        upsert = new.on_conflict_do_update(
            index_elements=[R.user_id],
            set_={
                "time_zone": new.excluded.time_zone,
                "locale": new.excluded.locale,
                "changed_at": new.excluded.changed_at,
                "updated_at": func.now(),
            },
            where=new.excluded.changed_at > R.changed_at,
        ).returning(R.user_id)
        return (await self._s.execute(upsert)).first() is not None

    async def get(self, user_id: uuid.UUID) -> Reader | None:
        return (await self.many([user_id])).get(user_id)

    async def many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Reader]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = await self._s.execute(
            select(R.user_id, R.time_zone, R.locale, R.changed_at).where(among(R.user_id, wanted))
        )
        return {r.user_id: Reader(r.user_id, r.time_zone, r.locale, r.changed_at) for r in rows}
