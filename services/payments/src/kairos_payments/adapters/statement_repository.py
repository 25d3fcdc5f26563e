"""The statement, read in one statement over payments, cycles, credit packs and refunds."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_payments.domain.statement import BookingPayment, LineKind, RefundLine, StatementLine

# Newest first; lines made in the same instant in payment_id order, downwards, so a page
# continues strictly after the (created_at, payment_id) of the last line given. The page is
# cut first and only its lines' refunds are summed (by refunds.payment_id), so a statement
# costs its own page, not the whole refunds table.
# Money refunds carry Stripe's refund id; credit returns carry a credit count instead.
_STATEMENT = """
    SELECT l.*,
           CASE WHEN l.kind = 'credit_pack' THEN 0 ELSE coalesce(b.money, 0) END
               AS refunded_minor,
           CASE WHEN l.kind = 'checkout' THEN coalesce(b.credits, 0) ELSE 0 END
               AS credits_returned
    FROM (
        SELECT * FROM (
            SELECT p.payment_id, 'checkout' AS kind, p.method, p.status, p.amount_minor,
                   p.currency,
                   CASE WHEN p.method = 'card' AND p.status = 'captured'
                        THEN p.amount_minor ELSE 0 END AS charged_minor,
                   p.credits_spent, p.hold_id, p.booking_id,
                   NULL::uuid AS subscription_id, NULL::int AS cycle_number,
                   CASE WHEN p.status = 'open' THEN p.decline_code END AS decline_code,
                   CASE WHEN p.status = 'open' THEN p.decline_message END AS decline_message,
                   p.stripe_payment_intent_id AS payment_intent_id, p.created_at
            FROM payments p
            WHERE p.mentee_id = :user_id
            UNION ALL
            SELECT c.payment_id, 'cycle', 'subscription', 'paid', c.amount_minor, c.currency,
                   c.amount_minor, NULL, NULL, NULL, c.subscription_id, c.number, NULL, NULL,
                   NULL, c.created_at
            FROM subscription_cycles c
            JOIN subscriptions s USING (subscription_id)
            WHERE s.mentee_id = :user_id
            UNION ALL
            SELECT purchase_id, 'credit_pack', 'card', status, amount_minor, currency,
                   CASE WHEN status = 'credited' THEN amount_minor ELSE 0 END, NULL,
                   NULL, NULL, NULL, NULL, NULL, NULL, stripe_payment_intent_id, created_at
            FROM credit_purchases
            WHERE user_id = :user_id
        ) lines
        {after}
        ORDER BY created_at DESC, payment_id DESC
        LIMIT :limit
    ) l
    LEFT JOIN LATERAL (
        SELECT sum(amount_minor) FILTER (WHERE stripe_refund_id IS NOT NULL)::bigint AS money,
               sum(credits_returned)::int AS credits
        FROM refunds r
        WHERE r.payment_id = l.payment_id AND r.status = 'succeeded'
    ) b ON true
    ORDER BY l.created_at DESC, l.payment_id DESC
    """


_FIRST = text(_STATEMENT.format(after=""))
_NEXT = text(_STATEMENT.format(after="WHERE (created_at, payment_id) < (:at, :pid)")).bindparams(
    bindparam("at", type_=DateTime(timezone=True)), bindparam("pid", type_=Uuid())
)

# A booking's payment: the checkout that names it (set when booking confirmed it), the
# cycle that paid it (a programme session), or a payment whose refund names it.
_OF_BOOKING = text("""
    WITH linked AS (
        SELECT payment_id FROM payments WHERE booking_id = :booking_id
        UNION SELECT payment_id FROM session_payments WHERE booking_id = :booking_id
        UNION SELECT payment_id FROM refunds WHERE booking_id = :booking_id
    )
    SELECT p.payment_id, 'checkout' AS kind, p.method, p.status, p.amount_minor, p.currency,
           CASE WHEN p.method = 'card' AND p.status = 'captured'
                THEN p.amount_minor ELSE 0 END AS charged_minor,
           p.credits_spent, p.hold_id, NULL::uuid AS subscription_id,
           NULL::int AS cycle_number,
           CASE WHEN p.status = 'open' THEN p.decline_code END AS decline_code,
           CASE WHEN p.status = 'open' THEN p.decline_message END AS decline_message,
           p.stripe_payment_intent_id AS payment_intent_id, p.created_at,
           p.mentee_id AS payer_id
    FROM payments p JOIN linked USING (payment_id)
    UNION ALL
    SELECT c.payment_id, 'cycle', 'subscription', 'paid', c.amount_minor, c.currency,
           c.amount_minor, NULL, NULL, c.subscription_id, c.number, NULL, NULL, NULL,
           c.created_at, s.mentee_id
    FROM subscription_cycles c
    JOIN linked USING (payment_id)
    JOIN subscriptions s ON s.subscription_id = c.subscription_id
    ORDER BY created_at, payment_id
    """)
_REFUNDS_OF_BOOKING = text("""
    SELECT refund_id, payment_id, amount_minor, reason, status, credits_returned, created_at
    FROM refunds WHERE booking_id = :booking_id
    ORDER BY created_at, refund_id
    """)


class SqlStatementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def lines(
        self,
        user_id: uuid.UUID,
        limit: int,
        before: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[StatementLine]:
        """The user's lines, newest first, older than the (created_at, payment_id) key
        ``before`` when given."""
        values: dict[str, object] = {"user_id": user_id, "limit": limit}
        query = _FIRST
        if before is not None:
            query = _NEXT
            values |= {"at": before[0], "pid": before[1]}
        rows = await self._s.execute(query, values)
        return [StatementLine(**{**r._mapping, "kind": LineKind(r._mapping["kind"])}) for r in rows]

    async def of_booking(self, booking_id: uuid.UUID) -> list[BookingPayment]:
        """The payments that paid ``booking_id`` (none when payments does not know it),
        each with the refunds made for that booking, oldest first."""
        values = {"booking_id": booking_id}
        rows = [r._mapping for r in await self._s.execute(_OF_BOOKING, values)]
        if not rows:
            return []
        refunds: dict[uuid.UUID, list[RefundLine]] = {}
        for r in await self._s.execute(_REFUNDS_OF_BOOKING, values):
            m = dict(r._mapping)
            refunds.setdefault(m.pop("payment_id"), []).append(RefundLine(**m))
        found = []
        for row in rows:
            back = refunds.get(row["payment_id"], [])
            done = [x for x in back if x.status == "succeeded"]
            line = StatementLine(
                **{k: v for k, v in row.items() if k not in ("payer_id", "kind")},
                kind=LineKind(row["kind"]),
                refunded_minor=sum(x.amount_minor for x in done),
                credits_returned=sum(x.credits_returned or 0 for x in done),
                booking_id=booking_id,
            )
            found.append(BookingPayment(line, row["payer_id"], tuple(back)))
        return found
