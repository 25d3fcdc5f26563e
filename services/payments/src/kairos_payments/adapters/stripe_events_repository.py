"""SQL repository of the Stripe events we handled and of reconciliation's cursor."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_payments.adapters.orm import stripe_cursor, webhook_events
from kairos_payments.service_layer.gateway import StripeEvent


class SqlStripeEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def seen(self, event_id: str) -> bool:
        q = select(webhook_events.c.event_id).where(webhook_events.c.event_id == event_id)
        return (await self._s.execute(q)).first() is not None

    async def record(self, event: StripeEvent, via: str) -> bool:
        """Store the event id once; False when it was already there."""
        stmt = insert(webhook_events).values(
            event_id=event.id,
            type=event.type,
            created=event.created,
            object_id=event.object_id,
            via=via,
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["event_id"])
        return (
            await self._s.execute(stmt.returning(webhook_events.c.event_id))
        ).first() is not None

    async def lease_cursor(self, name: str, seconds: float) -> int | None:
        """The cursor's position if this caller may advance it for ``seconds``, else None."""
        await self._s.execute(
            insert(stripe_cursor).values(name=name).on_conflict_do_nothing(index_elements=["name"])
        )
        c = stripe_cursor
        stmt = (
            update(c)
            .where(c.c.name == name)
            .where(or_(c.c.lease_until.is_(None), c.c.lease_until < func.now()))
            .values(lease_until=func.now() + timedelta(seconds=seconds))
            .returning(c.c.last_created)
        )
        found = (await self._s.execute(stmt)).scalar()
        return None if found is None else int(found)

    async def advance_cursor(self, name: str, last_created: int) -> None:
        c = stripe_cursor
        await self._s.execute(
            update(c)
            .where(c.c.name == name)
            .values(last_created=func.greatest(c.c.last_created, last_created), lease_until=None)
        )
