"""SQL repository of credit balances, the ledger and credit pack purchases.

A debit is one conditional UPDATE (``balance >= n``): concurrent spenders serialise on the
balance row and the loser sees no row, so the balance never goes negative.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_payments.adapters.orm import credit_balances, credit_ledger, credit_purchases
from kairos_payments.domain.credits import (
    CreditPurchase,
    InsufficientCredits,
    LedgerEntry,
    LedgerReason,
)

_PURCHASE_FIELDS = [f.name for f in dataclasses.fields(CreditPurchase)]


def _purchase(row: Any) -> CreditPurchase | None:
    if row is None:
        return None
    return CreditPurchase(**{k: row._mapping[k] for k in _PURCHASE_FIELDS})


class SqlCreditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def balance(self, user_id: uuid.UUID) -> int:
        q = select(credit_balances.c.balance).where(credit_balances.c.user_id == user_id)
        return int((await self._s.execute(q)).scalar() or 0)

    async def debit(self, user_id: uuid.UUID, credits: int, reference: uuid.UUID) -> int:
        """Take ``credits`` or raise InsufficientCredits; returns the balance after."""
        b = credit_balances
        stmt = (
            update(b)
            .where(b.c.user_id == user_id, b.c.balance >= credits)
            .values(balance=b.c.balance - credits)
            .returning(b.c.balance)
        )
        after = (await self._s.execute(stmt)).scalar()
        if after is None:
            raise InsufficientCredits(credits, await self.balance(user_id))
        await self._entry(user_id, -credits, int(after), LedgerReason.PAYMENT, reference)
        return int(after)

    async def credit(
        self, user_id: uuid.UUID, credits: int, reason: str, reference: uuid.UUID
    ) -> int | None:
        """Add ``credits`` once per (reason, reference); None if that cause was booked."""
        claimed = await self._entry(user_id, credits, 0, reason, reference)
        if claimed is None:
            return None
        b = credit_balances
        stmt = (
            insert(b)
            .values(user_id=user_id, balance=credits)
            .on_conflict_do_update(
                index_elements=["user_id"], set_={"balance": b.c.balance + credits}
            )
            .returning(b.c.balance)
        )
        after = int((await self._s.execute(stmt)).scalar_one())
        await self._s.execute(
            update(credit_ledger)
            .where(credit_ledger.c.entry_id == claimed)
            .values(balance_after=after)
        )
        return after

    async def _entry(
        self, user_id: uuid.UUID, delta: int, after: int, reason: str, reference: uuid.UUID
    ) -> int | None:
        stmt = insert(credit_ledger).values(
            user_id=user_id, delta=delta, balance_after=after, reason=reason, reference=reference
        )
        stmt = stmt.on_conflict_do_nothing(constraint="uq_credit_ledger_cause")
        entry_id: int | None = (
            await self._s.execute(stmt.returning(credit_ledger.c.entry_id))
        ).scalar()
        return entry_id

    async def ledger(
        self, user_id: uuid.UUID, *, before: int | None = None, limit: int = 100
    ) -> list[LedgerEntry]:
        """The user's entries, newest first, older than entry ``before`` when given."""
        lg = credit_ledger
        q = select(lg).where(lg.c.user_id == user_id)
        if before is not None:
            q = q.where(lg.c.entry_id < before)
        rows = await self._s.execute(q.order_by(lg.c.entry_id.desc()).limit(limit))
        return [
            LedgerEntry(
                entry_id=r.entry_id,
                delta=r.delta,
                balance_after=r.balance_after,
                reason=LedgerReason(r.reason),
                reference=r.reference,
                created_at=r.created_at,
            )
            for r in rows
        ]

    # --- purchases -----------------------------------------------------------------------

    async def add_purchase(self, purchase: CreditPurchase) -> bool:
        stmt = insert(credit_purchases).values(**dataclasses.asdict(purchase))
        stmt = stmt.on_conflict_do_nothing(index_elements=["purchase_id"])
        return (
            await self._s.execute(stmt.returning(credit_purchases.c.purchase_id))
        ).first() is not None

    async def purchase(self, purchase_id: uuid.UUID) -> CreditPurchase | None:
        q = select(credit_purchases).where(credit_purchases.c.purchase_id == purchase_id)
        return _purchase((await self._s.execute(q)).first())

    async def purchase_by_intent(self, intent_id: str) -> CreditPurchase | None:
        q = select(credit_purchases).where(credit_purchases.c.stripe_payment_intent_id == intent_id)
        return _purchase((await self._s.execute(q)).first())

    async def move_purchase(
        self, purchase_id: uuid.UUID, from_: Iterable[str], to: str, **values: Any
    ) -> CreditPurchase | None:
        p = credit_purchases
        stmt = (
            update(p)
            .where(p.c.purchase_id == purchase_id, p.c.status.in_(list(from_)))
            .values(status=to, updated_at=func.now(), **values)
            .returning(p)
        )
        return _purchase((await self._s.execute(stmt)).first())

    async def stale_open_purchases(self, older_than_s: float, limit: int = 100) -> list[str]:
        p = credit_purchases
        q = (
            select(p.c.stripe_payment_intent_id)
            .where(p.c.status == "open", p.c.stripe_payment_intent_id.is_not(None))
            .where(p.c.updated_at < func.now() - timedelta(seconds=older_than_s))
            .limit(limit)
        )
        return [i for i in (await self._s.execute(q)).scalars() if i]
