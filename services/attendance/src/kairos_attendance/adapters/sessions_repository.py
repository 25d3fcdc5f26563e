"""SQL repository of the session projection, its marks and their audit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_attendance.adapters.orm import attendance_audit, sessions
from kairos_attendance.adapters.sql import among
from kairos_attendance.domain.sessions import BOOKING_FIELDS, AuditEntry, Change, Session
from kairos_attendance.domain.streaks import Mark
from kairos_platform.db import newer_wins

S = sessions.c
_AUDIT = text(
    """
    INSERT INTO attendance_audit
        (booking_id, changed_by, changed_by_user_id, changed_at, before, after, source)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:by AS text[]), CAST(:users AS uuid[]),
                         CAST(:at AS timestamptz[]), CAST(:before AS boolean[]),
                         CAST(:after AS boolean[]), CAST(:source AS text[]))
    """
)
_FIELDS = tuple(f.name for f in fields(Session))
#: the columns in Session's field order: a row builds a Session positionally
_COLUMNS = tuple(sessions.c[k] for k in _FIELDS)
# ``= ANY(ARRAY(subquery))``, not ``IN (subquery)``: the claimed ids are found through the
# primary key; with IN the planner hash-joined them against a scan of the whole table.
_CLAIM = text(
    f"""
    UPDATE sessions
    SET attended = false, marked_by = 'system', marked_by_user_id = NULL, marked_at = :at
    WHERE booking_id = ANY(ARRAY(
            SELECT booking_id FROM sessions
            WHERE attended IS NULL AND status = 'confirmed' AND ends_at < :cutoff
            ORDER BY ends_at LIMIT :limit
            FOR UPDATE SKIP LOCKED))
      AND attended IS NULL
    RETURNING {", ".join(_FIELDS)}
    """
).columns(*_COLUMNS)


_APPLY = newer_wins(sessions, "booking_id", "sequence", BOOKING_FIELDS)


def to_session(row: Any) -> Session:
    m = row._mapping
    return Session(**{k: m[k] for k in _FIELDS})


class SqlSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def apply(self, s: Session) -> bool:
        """Store ``s`` unless we hold this booking at an equal or higher sequence. One
        statement, so replicas and replays cannot both win; the mark is never touched."""
        values = {k: getattr(s, k) for k in ("booking_id", *BOOKING_FIELDS)}
        return (await self._s.execute(_APPLY, values)).first() is not None

    async def get(self, booking_id: uuid.UUID, *, lock: bool = False) -> Session | None:
        query = select(sessions).where(S.booking_id == booking_id)
        if lock:
            query = query.with_for_update()
        row = (await self._s.execute(query)).first()
        return to_session(row) if row else None

    async def mark(
        self,
        booking_id: uuid.UUID,
        attended: bool,
        by: str,
        by_user: uuid.UUID | None,
        at: datetime,
    ) -> None:
        await self._s.execute(
            update(sessions)
            .where(S.booking_id == booking_id)
            .values(attended=attended, marked_by=by, marked_by_user_id=by_user, marked_at=at)
        )

    async def mark_overdue_absent(
        self, cutoff: datetime, limit: int, at: datetime
    ) -> list[Session]:
        """Claim up to ``limit`` live sessions that ended before ``cutoff`` with no mark and
        mark them absent, in one statement. SKIP LOCKED: replicas take disjoint rows; a row a
        join or a mentor is marking right now is skipped (and no longer unmarked after)."""
        stmt = _CLAIM.bindparams(cutoff=cutoff, limit=limit, at=at)
        return [Session(*r) for r in (await self._s.execute(stmt)).all()]

    async def audit(self, changes: Sequence[Change]) -> None:
        """One INSERT for the whole batch (arrays unnested)."""
        if not changes:
            return
        await self._s.execute(
            _AUDIT,
            {
                "ids": [c.session.booking_id for c in changes],
                "by": [c.by for c in changes],
                "users": [c.by_user_id for c in changes],
                "at": [c.at for c in changes],
                "before": [c.before for c in changes],
                "after": [c.after for c in changes],
                "source": [c.source for c in changes],
            },
        )

    async def history(
        self, booking_id: uuid.UUID, after: int | None, limit: int
    ) -> list[AuditEntry]:
        """The session's audit trail after the entry ``after``, oldest first, at most
        ``limit``: who changed the mark, when, from what to what, and how (join, sweep,
        mentor)."""
        a = attendance_audit.c
        stmt = (
            select(a.id, a.changed_by, a.changed_by_user_id, a.changed_at, a.before, a.after,
                   a.source)
            .where(a.booking_id == booking_id)
            .order_by(a.id)
            .limit(limit)
        )  # fmt: skip
        if after is not None:
            stmt = stmt.where(a.id > after)
        return [AuditEntry(*r) for r in (await self._s.execute(stmt)).all()]

    async def marks_of(self, enrollment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Mark]]:
        """The live sessions of each enrollment with their marks (cancelled ones do not count)."""
        rows = await self._s.execute(
            select(S.enrollment_id, S.booking_id, S.starts_at, S.attended).where(
                among(S.enrollment_id, enrollment_ids), S.status == "confirmed"
            )
        )
        out: dict[uuid.UUID, list[Mark]] = {e: [] for e in enrollment_ids}
        for enrollment_id, booking_id, starts_at, attended in rows.all():
            out[enrollment_id].append(Mark(booking_id, starts_at, attended))
        return out

    async def latest_of(self, enrollment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Session]:
        """The session with the latest cycle end of each enrollment (its current cycle)."""
        rows = await self._s.execute(
            select(sessions)
            .ext(distinct_on(S.enrollment_id))
            .where(among(S.enrollment_id, enrollment_ids), S.cycle_ends_at.is_not(None))
            .order_by(S.enrollment_id, S.cycle_ends_at.desc(), S.starts_at.desc())
        )
        return {r.enrollment_id: to_session(r) for r in rows}

    async def recent_of(
        self, enrollment_ids: Sequence[uuid.UUID], now: datetime, per: int
    ) -> dict[uuid.UUID, list[Session]]:
        """The ``per`` latest sessions that started by ``now``, per enrollment, newest first."""
        rn = func.row_number().over(partition_by=S.enrollment_id, order_by=S.starts_at.desc())
        inner = (
            select(sessions, rn.label("rn"))
            .where(among(S.enrollment_id, enrollment_ids), S.starts_at <= now)
            .subquery()
        )
        rows = await self._s.execute(
            select(inner)
            .where(inner.c.rn <= per)
            .order_by(inner.c.enrollment_id, inner.c.starts_at.desc())
        )
        out: dict[uuid.UUID, list[Session]] = {e: [] for e in enrollment_ids}
        for r in rows:
            out[r.enrollment_id].append(to_session(r))
        return out

    async def many(self, booking_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Session]:
        if not booking_ids:
            return {}
        rows = await self._s.execute(select(sessions).where(among(S.booking_id, booking_ids)))
        return {r.booking_id: to_session(r) for r in rows}
