"""SQL repositories of payments and refunds.

State changes are conditional UPDATEs (``WHERE status IN (...)``) returning the row: the
database decides who moves a payment, so concurrent handlers, replicas and replays can
never move it twice or backwards.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_payments.adapters.orm import payments, refunds, session_payments
from kairos_payments.domain.payments import Payment, PaymentStatus, RefundOrder

_PAYMENT_FIELDS = [f.name for f in dataclasses.fields(Payment)]
_REFUND_FIELDS = [f.name for f in dataclasses.fields(RefundOrder)]


def _payment(row: Row[Any] | None) -> Payment | None:
    if row is None:
        return None
    m = row._mapping
    values = {k: m[k] for k in _PAYMENT_FIELDS}
    values["status"] = PaymentStatus(values["status"])
    return Payment(**values)


def _refund(row: Row[Any] | None) -> RefundOrder | None:
    if row is None:
        return None
    return RefundOrder(**{k: row._mapping[k] for k in _REFUND_FIELDS})


def _lease_free() -> Any:
    return or_(payments.c.lease_until.is_(None), payments.c.lease_until < func.now())


class SqlPaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def reserve(self, payment: Payment) -> bool:
        """Insert the hold's payment unless the hold has one (then False)."""
        values = dataclasses.asdict(payment)
        values["status"] = payment.status.value
        stmt = insert(payments).values(**values).on_conflict_do_nothing(index_elements=["hold_id"])
        return (await self._s.execute(stmt.returning(payments.c.payment_id))).first() is not None

    async def get(self, payment_id: uuid.UUID) -> Payment | None:
        q = select(payments).where(payments.c.payment_id == payment_id)
        return _payment((await self._s.execute(q)).first())

    async def by_hold(self, hold_id: uuid.UUID) -> Payment | None:
        q = select(payments).where(payments.c.hold_id == hold_id)
        return _payment((await self._s.execute(q)).first())

    async def by_intent(self, intent_id: str) -> Payment | None:
        q = select(payments).where(payments.c.stripe_payment_intent_id == intent_id)
        return _payment((await self._s.execute(q)).first())

    async def transition(
        self,
        payment_id: uuid.UUID,
        from_: Iterable[PaymentStatus],
        to: PaymentStatus,
        **values: Any,
    ) -> Payment | None:
        """Move the payment to ``to`` if it is in one of ``from_``; the moved row, or None."""
        stmt = (
            update(payments)
            .where(payments.c.payment_id == payment_id)
            .where(payments.c.status.in_([s.value for s in from_]))
            .values(status=to.value, updated_at=func.now(), lease_until=None, **values)
            .returning(payments)
        )
        return _payment((await self._s.execute(stmt)).first())

    async def record_decline(
        self, payment_id: uuid.UUID, charge: str | None, code: str | None, message: str | None
    ) -> Payment | None:
        """Remember a card refusal of an open payment; the row if this refusal is new."""
        stmt = (
            update(payments)
            .where(payments.c.payment_id == payment_id)
            .where(payments.c.status == PaymentStatus.OPEN.value)
            .where(payments.c.declined_charge.is_distinct_from(charge or "unknown"))
            .values(
                decline_code=code,
                decline_message=message,
                declined_charge=charge or "unknown",
                updated_at=func.now(),
            )
            .returning(payments)
        )
        return _payment((await self._s.execute(stmt)).first())

    async def remember_payer(
        self, payment_id: uuid.UUID, email: str | None, name: str | None
    ) -> None:
        """Keep the payer's contact on a payment that has none (a kept one stays)."""
        await self._s.execute(
            update(payments)
            .where(payments.c.payment_id == payment_id)
            .where(payments.c.payer_email.is_(None), payments.c.payer_name.is_(None))
            .values(payer_email=email, payer_name=name)  # not a move: updated_at stays
        )

    async def take_over_creation(self, payment_id: uuid.UUID, stale_after_s: float) -> bool:
        """Claim a creation that failed, or that its owner abandoned (crash), for a retry."""
        stale = func.now() - timedelta(seconds=stale_after_s)
        stmt = (
            update(payments)
            .where(payments.c.payment_id == payment_id)
            .where(
                or_(
                    payments.c.status == PaymentStatus.CREATE_FAILED.value,
                    (payments.c.status == PaymentStatus.CREATING.value)
                    & (payments.c.updated_at < stale),
                )
            )
            .values(status=PaymentStatus.CREATING.value, updated_at=func.now())
            .returning(payments.c.payment_id)
        )
        return (await self._s.execute(stmt)).first() is not None

    async def lease(
        self, payment_id: uuid.UUID, statuses: Iterable[PaymentStatus], seconds: float
    ) -> Payment | None:
        """Take the right to call Stripe for this payment for ``seconds`` (one caller only)."""
        stmt = (
            update(payments)
            .where(payments.c.payment_id == payment_id)
            .where(payments.c.status.in_([s.value for s in statuses]))
            .where(_lease_free())
            .values(lease_until=func.now() + timedelta(seconds=seconds))
            .returning(payments)
        )
        return _payment((await self._s.execute(stmt)).first())

    async def release(self, payment_id: uuid.UUID) -> None:
        await self._s.execute(
            update(payments).where(payments.c.payment_id == payment_id).values(lease_until=None)
        )

    async def stale(
        self, statuses: Iterable[PaymentStatus], older_than_s: float, limit: int = 100
    ) -> list[uuid.UUID]:
        q = (
            select(payments.c.payment_id)
            .where(payments.c.status.in_([s.value for s in statuses]))
            .where(payments.c.updated_at < func.now() - timedelta(seconds=older_than_s))
            .where(_lease_free())
            .order_by(payments.c.updated_at)
            .limit(limit)
        )
        return list((await self._s.execute(q)).scalars())

    async def add_refunded(self, payment_id: uuid.UUID, amount_minor: int) -> None:
        await self._s.execute(
            update(payments)
            .where(payments.c.payment_id == payment_id)
            .values(refunded_minor=payments.c.refunded_minor + amount_minor, updated_at=func.now())
        )

    async def link_session(self, booking_id: uuid.UUID, payment_id: uuid.UUID) -> None:
        """Remember the cycle payment that paid a programme session (once per booking)."""
        stmt = insert(session_payments).values(booking_id=booking_id, payment_id=payment_id)
        await self._s.execute(stmt.on_conflict_do_nothing(index_elements=["booking_id"]))


class SqlRefundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, refund: RefundOrder) -> bool:
        stmt = insert(refunds).values(**dataclasses.asdict(refund))
        stmt = stmt.on_conflict_do_nothing(index_elements=["refund_id"])
        return (await self._s.execute(stmt.returning(refunds.c.refund_id))).first() is not None

    async def get(self, refund_id: uuid.UUID) -> RefundOrder | None:
        q = select(refunds).where(refunds.c.refund_id == refund_id)
        return _refund((await self._s.execute(q)).first())

    async def reserved_for(self, payment_id: uuid.UUID) -> int:
        """Money already promised back for this payment (pending or done)."""
        q = select(func.coalesce(func.sum(refunds.c.amount_minor), 0)).where(
            refunds.c.payment_id == payment_id
        )
        return int((await self._s.execute(q)).scalar_one())

    async def lease(self, refund_id: uuid.UUID, seconds: float) -> RefundOrder | None:
        stmt = (
            update(refunds)
            .where(refunds.c.refund_id == refund_id, refunds.c.status == "pending")
            .where(or_(refunds.c.lease_until.is_(None), refunds.c.lease_until < func.now()))
            .values(lease_until=func.now() + timedelta(seconds=seconds))
            .returning(refunds)
        )
        return _refund((await self._s.execute(stmt)).first())

    async def release(self, refund_id: uuid.UUID) -> None:
        await self._s.execute(
            update(refunds).where(refunds.c.refund_id == refund_id).values(lease_until=None)
        )

    async def mark_succeeded(
        self,
        refund_id: uuid.UUID,
        *,
        stripe_refund_id: str | None = None,
        credits_returned: int | None = None,
    ) -> RefundOrder | None:
        stmt = (
            update(refunds)
            .where(refunds.c.refund_id == refund_id, refunds.c.status == "pending")
            .values(
                status="succeeded",
                stripe_refund_id=stripe_refund_id,
                credits_returned=credits_returned,
                lease_until=None,
                updated_at=func.now(),
            )
            .returning(refunds)
        )
        return _refund((await self._s.execute(stmt)).first())

    async def stale_pending(self, older_than_s: float, limit: int = 100) -> list[uuid.UUID]:
        q = (
            select(refunds.c.refund_id)
            .where(refunds.c.status == "pending")
            .where(refunds.c.updated_at < func.now() - timedelta(seconds=older_than_s))
            .where(or_(refunds.c.lease_until.is_(None), refunds.c.lease_until < func.now()))
            .limit(limit)
        )
        return list((await self._s.execute(q)).scalars())
