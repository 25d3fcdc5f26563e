"""SQL repository of the hold projection."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_payments.adapters.orm import holds
from kairos_payments.domain.holds import Hold, HoldState


class SqlHoldRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add_placed(self, hold: Hold) -> None:
        # A hold that already ended (events replayed late) stays ended.
        values = {k: v for k, v in hold.__dict__.items() if k != "state"}
        stmt = insert(holds).values(**values, state=HoldState.PLACED.value)
        await self._s.execute(stmt.on_conflict_do_nothing(index_elements=["hold_id"]))

    async def mark_ended(
        self,
        hold_id: uuid.UUID,
        state: HoldState,
        *,
        offering_id: uuid.UUID,
        mentee_id: uuid.UUID,
        starts_at: datetime,
    ) -> None:
        done = await self._s.execute(
            update(holds)
            .where(holds.c.hold_id == hold_id)
            .values(state=state.value, updated_at=func.now())
            .returning(holds.c.hold_id)
        )
        if done.first() is None:
            # Ended before we saw it placed: keep a tombstone so a late HoldPlaced is ignored.
            await self._s.execute(
                insert(holds)
                .values(
                    hold_id=hold_id,
                    offering_id=offering_id,
                    mentee_id=mentee_id,
                    starts_at=starts_at,
                    amount_minor=0,
                    currency="XXX",
                    expires_at=starts_at,
                    state=state.value,
                )
                .on_conflict_do_nothing(index_elements=["hold_id"])
            )

    async def get(self, hold_id: uuid.UUID, lock: bool = False) -> Hold | None:
        """The hold; ``lock`` shares its row until commit, so its end (an UPDATE) waits."""
        q = select(holds).where(holds.c.hold_id == hold_id)
        if lock:
            q = q.with_for_update(read=True)
        row = (await self._s.execute(q)).first()
        if row is None:
            return None
        m = row._mapping
        return Hold(
            hold_id=m["hold_id"],
            offering_id=m["offering_id"],
            mentee_id=m["mentee_id"],
            starts_at=m["starts_at"],
            amount_minor=m["amount_minor"],
            currency=m["currency"],
            price_in_credits=m["price_in_credits"],
            expires_at=m["expires_at"],
            state=HoldState(m["state"]),
        )
