"""SQL repository for holds."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import any_, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_booking.adapters.orm import holds
from kairos_booking.adapters.rows import to_obj, to_row
from kairos_booking.domain.model import Hold, HoldStatus
from kairos_platform.pagination import keyset

# Built once: a statement object memoises its cache key, so executing it again skips both
# building the expression and keying the compiled-statement cache (hot consumer paths).
_GET = select(holds).where(holds.c.hold_id == bindparam("hold_id"))
_GET_LOCKED = _GET.with_for_update()
_END = (
    update(holds)
    .where(holds.c.hold_id == bindparam("h_id"), holds.c.status == "held")
    .values(status=bindparam("h_status"), ended_at=bindparam("h_at"), payment_id=bindparam("h_pay"))
    .returning(holds.c.hold_id)
)
# Set-based (the PaymentVerified batch handler): rows locked in hold_id order, so two
# batches never wait on each other crosswise.
_GET_MANY_LOCKED = (
    select(holds)
    .where(holds.c.hold_id == any_(bindparam("hold_ids", type_=ARRAY(UUID(as_uuid=True)))))
    .order_by(holds.c.hold_id)
    .with_for_update()
)
_END_MANY = text(
    """
    UPDATE holds SET status = :status, ended_at = :at, payment_id = u.p
    FROM unnest(CAST(:hold_ids AS uuid[]), CAST(:payment_ids AS uuid[])) AS u(h, p)
    WHERE holds.hold_id = u.h AND holds.status = 'held'
    RETURNING holds.hold_id
    """
)


class SqlHoldRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, hold: Hold) -> None:
        row = to_row(hold)
        row["status"] = str(hold.status)
        await self._s.execute(holds.insert().values(**row))

    async def get(self, hold_id: uuid.UUID, *, lock: bool = False) -> Hold | None:
        query = _GET_LOCKED if lock else _GET
        row = (await self._s.execute(query, {"hold_id": hold_id})).first()
        return _hold(row) if row else None

    async def end(
        self,
        hold_id: uuid.UUID,
        status: HoldStatus,
        at: datetime,
        payment_id: uuid.UUID | None = None,
    ) -> bool:
        """Move a held hold to its end state; False if it had already ended."""
        params = {"h_id": hold_id, "h_status": str(status), "h_at": at, "h_pay": payment_id}
        return (await self._s.execute(_END, params)).first() is not None

    async def get_many_locked(self, hold_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Hold]:
        """The holds of ``hold_ids`` that exist, row-locked (in hold_id order)."""
        rows = await self._s.execute(_GET_MANY_LOCKED, {"hold_ids": list(hold_ids)})
        return {h.hold_id: h for h in map(_hold, rows)}

    async def end_many(
        self, status: HoldStatus, at: datetime, ends: Sequence[tuple[uuid.UUID, uuid.UUID]]
    ) -> int:
        """``end`` for many (hold id, payment id) in one statement; how many were held."""
        params = {
            "status": str(status),
            "at": at,
            "hold_ids": [h for h, _ in ends],
            "payment_ids": [p for _, p in ends],
        }
        return len((await self._s.execute(_END_MANY, params)).all())

    async def live_of(
        self,
        mentee_id: uuid.UUID,
        now: datetime,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[Hold]:
        """The mentee's holds still held and not past expiry, soonest slot first."""
        c = holds.c
        key = (c.starts_at, c.hold_id)
        rows = await self._s.execute(
            select(holds)
            .where(c.mentee_id == mentee_id, c.status == "held", c.expires_at > now)
            .where(keyset(key, after))
            .order_by(*key)
            .limit(limit)
        )
        return [_hold(r) for r in rows]

    async def held_by(
        self, offering_id: uuid.UUID, starts_at: datetime, mentee_id: uuid.UUID
    ) -> Hold | None:
        row = (
            await self._s.execute(
                select(holds).where(
                    holds.c.offering_id == offering_id,
                    holds.c.starts_at == starts_at,
                    holds.c.mentee_id == mentee_id,
                    holds.c.status == "held",
                )
            )
        ).first()
        return _hold(row) if row else None

    async def claim_due(
        self,
        now: datetime,
        limit: int,
        *,
        offering_id: uuid.UUID | None = None,
        starts_at: datetime | None = None,
    ) -> list[Hold]:
        """Lock up to ``limit`` held holds past expiry (of one occurrence, if given), skipping
        rows another transaction holds: concurrent sweepers never take the same hold."""
        query = select(holds).where(holds.c.status == "held", holds.c.expires_at <= now)
        if offering_id is not None:
            query = query.where(holds.c.offering_id == offering_id, holds.c.starts_at == starts_at)
        query = query.order_by(holds.c.expires_at).limit(limit).with_for_update(skip_locked=True)
        return [_hold(r) for r in await self._s.execute(query)]


def _hold(row: object) -> Hold:
    hold = to_obj(Hold, row)
    hold.status = HoldStatus(hold.status)
    return hold
