"""SQL repositories of the offering price list, Stripe customers, subscriptions and cycles.

Like payments, a subscription moves only by conditional UPDATEs (``WHERE status IN``)
returning the row, so concurrent requests, replicas and replays have one winner.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_payments.adapters.orm import (
    offerings,
    stripe_customers,
    subscription_cycles,
    subscriptions,
)
from kairos_payments.domain.subscriptions import (
    Cycle,
    Listed,
    Offering,
    Subscription,
    SubscriptionStatus,
)

_OFFERING_FIELDS = [f.name for f in dataclasses.fields(Offering)]
_SUB_FIELDS = [f.name for f in dataclasses.fields(Subscription)]
_CYCLE_FIELDS = [f.name for f in dataclasses.fields(Cycle)]


def _sub(row: Any) -> Subscription | None:
    if row is None:
        return None
    values = {k: row._mapping[k] for k in _SUB_FIELDS}
    values["status"] = SubscriptionStatus(values["status"])
    return Subscription(**values)


class SqlOfferingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def publish(self, offering: Offering) -> bool:
        """Keep ``offering`` unless a newer (or the same) version is there; True if kept."""
        values = dataclasses.asdict(offering)
        stmt = insert(offerings).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["offering_id"],
            set_={**{k: stmt.excluded[k] for k in values}, "updated_at": func.now()},
            where=offerings.c.version < stmt.excluded.version,
        )
        return (await self._s.execute(stmt.returning(offerings.c.offering_id))).first() is not None

    async def get(self, offering_id: uuid.UUID) -> Offering | None:
        q = select(offerings).where(offerings.c.offering_id == offering_id)
        row = (await self._s.execute(q)).first()
        return None if row is None else Offering(**{k: row._mapping[k] for k in _OFFERING_FIELDS})


class SqlSubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # --- customers -----------------------------------------------------------------------

    async def customer(self, user_id: uuid.UUID) -> str | None:
        q = select(stripe_customers.c.stripe_customer_id).where(
            stripe_customers.c.user_id == user_id
        )
        return (await self._s.execute(q)).scalar()

    async def keep_customer(self, user_id: uuid.UUID, customer_id: str) -> str:
        """Remember ``customer_id`` for the user unless one is there; the one that stays."""
        stmt = insert(stripe_customers).values(user_id=user_id, stripe_customer_id=customer_id)
        await self._s.execute(stmt.on_conflict_do_nothing(index_elements=["user_id"]))
        return await self.customer(user_id) or customer_id

    # --- subscriptions -------------------------------------------------------------------

    async def reserve(self, sub: Subscription, lease_s: float) -> bool:
        """Insert the row unless the (offering, mentee) has a live one (then False). The
        inserting request holds it for ``lease_s`` (reconciliation leaves it alone)."""
        values = dataclasses.asdict(sub)
        values["status"] = sub.status.value
        values["lease_until"] = func.now() + timedelta(seconds=lease_s)
        stmt = (
            insert(subscriptions)
            .values(**values)
            .on_conflict_do_nothing(
                index_elements=["offering_id", "mentee_id"],
                # A literal, as in the index: a bound parameter here matches the partial
                # index only while PostgreSQL plans the statement with its values (its
                # first five runs on a connection), then nothing matches and it fails.
                index_where=subscriptions.c.status != literal_column("'failed'"),
            )
        )
        return (
            await self._s.execute(stmt.returning(subscriptions.c.subscription_id))
        ).first() is not None

    async def get(self, subscription_id: uuid.UUID, lock: bool = False) -> Subscription | None:
        q = select(subscriptions).where(subscriptions.c.subscription_id == subscription_id)
        return _sub((await self._s.execute(q.with_for_update() if lock else q)).first())

    async def live_for(self, offering_id: uuid.UUID, mentee_id: uuid.UUID) -> Subscription | None:
        q = select(subscriptions).where(
            subscriptions.c.offering_id == offering_id,
            subscriptions.c.mentee_id == mentee_id,
            subscriptions.c.status != SubscriptionStatus.FAILED.value,
        )
        return _sub((await self._s.execute(q)).first())

    async def by_stripe_id(self, stripe_subscription_id: str) -> Subscription | None:
        q = select(subscriptions).where(
            subscriptions.c.stripe_subscription_id == stripe_subscription_id
        )
        return _sub((await self._s.execute(q)).first())

    async def of_mentee(
        self,
        mentee_id: uuid.UUID,
        *,
        after: tuple[datetime, uuid.UUID] | None = None,
        limit: int = 100,
    ) -> list[Listed]:
        """The mentee's subscriptions, oldest first (creation time, then id), after the
        (created_at, subscription_id) key ``after`` when given; with offering titles."""
        s, o = subscriptions, offerings
        q = (
            select(s, o.c.title.label("offering_title"))
            .select_from(s.outerjoin(o, o.c.offering_id == s.c.offering_id))
            .where(s.c.mentee_id == mentee_id)
        )
        if after is not None:
            q = q.where(tuple_(s.c.created_at, s.c.subscription_id) > tuple_(*after))
        q = q.order_by(s.c.created_at, s.c.subscription_id).limit(limit)
        found = []
        for row in await self._s.execute(q):
            sub = _sub(row)
            assert sub is not None
            found.append(Listed(sub, row.offering_title, row.created_at))
        return found

    async def transition(
        self,
        subscription_id: uuid.UUID,
        from_: Iterable[SubscriptionStatus],
        to: SubscriptionStatus,
        **values: Any,
    ) -> Subscription | None:
        s = subscriptions
        stmt = (
            update(s)
            .where(s.c.subscription_id == subscription_id)
            .where(s.c.status.in_([x.value for x in from_]))
            .values(status=to.value, updated_at=func.now(), lease_until=None, **values)
            .returning(s)
        )
        return _sub((await self._s.execute(stmt)).first())

    async def lease(
        self, subscription_id: uuid.UUID, statuses: Iterable[SubscriptionStatus], seconds: float
    ) -> Subscription | None:
        """The right to call Stripe for this row for ``seconds`` (one caller at a time)."""
        s = subscriptions
        stmt = (
            update(s)
            .where(s.c.subscription_id == subscription_id)
            .where(s.c.status.in_([x.value for x in statuses]))
            .where(or_(s.c.lease_until.is_(None), s.c.lease_until < func.now()))
            .values(lease_until=func.now() + timedelta(seconds=seconds))
            .returning(s)
        )
        return _sub((await self._s.execute(stmt)).first())

    async def release(self, subscription_id: uuid.UUID) -> None:
        await self._s.execute(
            update(subscriptions)
            .where(subscriptions.c.subscription_id == subscription_id)
            .values(lease_until=None)
        )

    async def stale(
        self, statuses: Iterable[SubscriptionStatus], older_than_s: float, limit: int = 100
    ) -> list[uuid.UUID]:
        s = subscriptions
        q = (
            select(s.c.subscription_id)
            .where(s.c.status.in_([x.value for x in statuses]))
            .where(s.c.updated_at < func.now() - timedelta(seconds=older_than_s))
            .where(or_(s.c.lease_until.is_(None), s.c.lease_until < func.now()))
            .limit(limit)
        )
        return list((await self._s.execute(q)).scalars())

    async def set_period(self, subscription_id: uuid.UUID, cycle: Cycle) -> None:
        s = subscriptions
        await self._s.execute(
            update(s)
            .where(s.c.subscription_id == subscription_id)
            .where(or_(s.c.current_period_end.is_(None), s.c.current_period_end < cycle.ends_at))
            .values(current_period_start=cycle.starts_at, current_period_end=cycle.ends_at)
        )

    # --- cycles --------------------------------------------------------------------------

    async def last_cycle(self, subscription_id: uuid.UUID) -> Cycle | None:
        c = subscription_cycles
        q = select(c).where(c.c.subscription_id == subscription_id).order_by(c.c.number.desc())
        row = (await self._s.execute(q.limit(1))).first()
        return None if row is None else Cycle(**{k: row._mapping[k] for k in _CYCLE_FIELDS})

    async def cycle_of_invoice(self, invoice_id: str) -> Cycle | None:
        q = select(subscription_cycles).where(subscription_cycles.c.stripe_invoice_id == invoice_id)
        row = (await self._s.execute(q)).first()
        return None if row is None else Cycle(**{k: row._mapping[k] for k in _CYCLE_FIELDS})

    async def cycle_of_payment(self, payment_id: uuid.UUID) -> Cycle | None:
        q = select(subscription_cycles).where(subscription_cycles.c.payment_id == payment_id)
        row = (await self._s.execute(q)).first()
        return None if row is None else Cycle(**{k: row._mapping[k] for k in _CYCLE_FIELDS})

    async def add_cycle(self, cycle: Cycle) -> bool:
        """Record the paid invoice once; False when it was recorded before."""
        stmt = insert(subscription_cycles).values(**dataclasses.asdict(cycle))
        stmt = stmt.on_conflict_do_nothing(index_elements=["stripe_invoice_id"])
        return (
            await self._s.execute(stmt.returning(subscription_cycles.c.stripe_invoice_id))
        ).first() is not None
