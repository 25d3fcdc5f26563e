"""SQL repository of enrollments' standings and of the notices announced once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_attendance.adapters.orm import notices, standings
from kairos_attendance.adapters.sql import among
from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.sessions import Session
from kairos_attendance.domain.streaks import Standing

E = standings.c
_SAVE = text(
    """
    UPDATE standings SET status = u.status, streak = u.streak, absences = u.absences,
           reprobated_at = u.reprobated_at, reactivated_at = u.reactivated_at,
           updated_at = now()
    FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:streaks AS int[]),
                CAST(:absences AS int[]), CAST(:reprobated AS timestamptz[]),
                CAST(:reactivated AS timestamptz[]))
         AS u(enrollment_id, status, streak, absences, reprobated_at, reactivated_at)
    WHERE standings.enrollment_id = u.enrollment_id
    """
)
_FIELDS = tuple(f.name for f in fields(Enrollment))
_COLUMNS = tuple(standings.c[k] for k in _FIELDS)  # in Enrollment's field order
_WHO = (
    "subscription_id", "offering_id", "provider_id", "provider_user_id", "provider_email",
    "provider_name", "mentee_user_id", "mentee_email", "mentee_name",
)  # fmt: skip
_STATE = ("status", "streak", "absences", "reprobated_at", "reactivated_at")


def to_enrollment(row: Any) -> Enrollment:
    m = row._mapping
    e = Enrollment(**{k: m[k] for k in _FIELDS})
    e.status = Standing(e.status)
    return e


class SqlStandingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def know(self, s: Session) -> None:
        """Create the enrollment's row on its first session; keep who-is-who current."""
        assert s.enrollment_id is not None
        values = {k: getattr(s, k) for k in _WHO}
        stmt = insert(standings).values(enrollment_id=s.enrollment_id, **values)
        await self._s.execute(
            stmt.on_conflict_do_update(
                index_elements=["enrollment_id"], set_={k: stmt.excluded[k] for k in _WHO}
            )
        )

    async def lock(self, enrollment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Enrollment]:
        """Row-lock the enrollments in id order (two replicas never wait on each other in a
        cycle) and return them."""
        rows = await self._s.execute(
            select(*_COLUMNS)
            .where(among(E.enrollment_id, set(enrollment_ids)))
            .order_by(E.enrollment_id)
            .with_for_update()
        )
        out = {}
        for r in rows.all():
            e = Enrollment(*r)
            e.status = Standing(e.status)
            out[e.enrollment_id] = e
        return out

    async def get(self, enrollment_id: uuid.UUID, *, lock: bool = False) -> Enrollment | None:
        found = await self.lock([enrollment_id]) if lock else None
        if found is not None:
            return found.get(enrollment_id)
        row = (
            await self._s.execute(select(standings).where(E.enrollment_id == enrollment_id))
        ).first()
        return to_enrollment(row) if row else None

    async def save_many(self, enrollments: Sequence[Enrollment]) -> None:
        """One UPDATE for the whole batch (arrays unnested), not one statement per row."""
        if not enrollments:
            return
        await self._s.execute(
            _SAVE,
            {
                "ids": [e.enrollment_id for e in enrollments],
                "statuses": [str(e.status) for e in enrollments],
                "streaks": [e.streak for e in enrollments],
                "absences": [e.absences for e in enrollments],
                "reprobated": [e.reprobated_at for e in enrollments],
                "reactivated": [e.reactivated_at for e in enrollments],
            },
        )

    async def announce(
        self, wanted: Sequence[tuple[uuid.UUID, str, str]]
    ) -> set[tuple[uuid.UUID, str, str]]:
        """Record notices (enrollment, kind, key); return those that were new (to announce)."""
        if not wanted:
            return set()
        stmt = (
            insert(notices)
            .on_conflict_do_nothing()
            .returning(notices.c.enrollment_id, notices.c.kind, notices.c.key)
        )
        rows = [{"enrollment_id": e, "kind": k, "key": key} for e, k, key in wanted]
        return {(r.enrollment_id, r.kind, r.key) for r in await self._s.execute(stmt, rows)}

    async def subscribers_of(
        self,
        mentor: uuid.UUID,
        after: tuple[str | None, uuid.UUID] | None,
        limit: int,
    ) -> list[Enrollment]:
        """A mentor's subscribers (by the mentor's user id or provider id), by mentee name
        (unnamed last), then enrollment id: up to ``limit`` after the key ``after``."""
        mine = or_(E.provider_user_id == mentor, E.provider_id == mentor)
        query = select(standings).where(mine)
        if after is not None:
            name, enrollment_id = after
            later = and_(E.mentee_name.is_(None), E.enrollment_id > enrollment_id)
            if name is not None:  # then every named one after it, and every unnamed one
                same = and_(E.mentee_name == name, E.enrollment_id > enrollment_id)
                later = or_(E.mentee_name > name, same, E.mentee_name.is_(None))
            query = query.where(later)
        rows = await self._s.execute(
            query.order_by(E.mentee_name.nulls_last(), E.enrollment_id).limit(limit)
        )
        return [to_enrollment(r) for r in rows]
