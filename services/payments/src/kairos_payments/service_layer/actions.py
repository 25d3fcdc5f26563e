"""Stripe side effects owed by our records: capture, void, cancel, refund.

A handler first records what it wants (``capturing``, ``voiding``, ``cancelling``, a
pending refund) in its transaction; the call to Stripe happens after that commit, under a
short lease so one replica calls at a time; then the result is recorded in a second
transaction. A crash in between leaves the wish recorded: the sweeper re-drives it.

A capture or a void is asked for at once, with an idempotency key per wish: Stripe itself
refuses to capture a PaymentIntent twice or to cancel a captured one, so when it refuses,
the PaymentIntent is re-fetched and its status recorded instead (captured already, say,
after a crash between Stripe's answer and our commit). A re-fetch first would cost every
capture a second Stripe call. A cancel (the hold ended before payment) still decides on
the re-fetched status: an authorization for a released hold is voided, one for an expired
hold is left for booking to decide.
"""

from __future__ import annotations

import logging
import uuid

from kairos_contracts.events.payments import PaymentCancelReason, RefundReason, VoidReason
from kairos_contracts.types import PaymentMethod
from kairos_payments.domain.payments import (
    PENDING_ACTIONS,
    IntentStatus,
    Payment,
    PaymentStatus,
    Refundable,
    RefundOrder,
    can_cancel_intent,
)
from kairos_payments.service_layer import outgoing
from kairos_payments.service_layer.gateway import (
    Intent,
    StripeGateway,
    StripeRejected,
    StripeUnavailable,
)
from kairos_payments.service_layer.offerings import title_of
from kairos_payments.service_layer.ports import PaymentsUow

log = logging.getLogger(__name__)
LEASE_S = 30.0
S = PaymentStatus


async def drive_payment(uow: PaymentsUow, gateway: StripeGateway, pid: uuid.UUID) -> None:
    """Make the Stripe call ``pid`` is waiting for. Commits what ``uow`` holds first: the
    wish must be durable before Stripe is called, and no transaction stays open across it."""
    payment = await uow.payments.lease(pid, PENDING_ACTIONS, LEASE_S)
    await uow.commit()
    if payment is None or payment.stripe_payment_intent_id is None:
        return  # someone else holds it, or it has moved on
    try:
        intent = await _call(gateway, payment, payment.stripe_payment_intent_id)
    except (StripeUnavailable, StripeRejected) as exc:
        log.warning("Stripe call for payment %s failed (%s); will retry", pid, exc)
        await uow.payments.release(pid)
        await uow.commit()
        return
    await _record(uow, payment, intent)
    await uow.commit()


async def _call(gateway: StripeGateway, p: Payment, intent_id: str) -> Intent:
    """Make the call the payment's status asks for, unless Stripe shows it happened."""
    key = f"{p.idempotency_base}-{p.status.value}"
    try:
        if p.status is S.CAPTURING:
            return await gateway.capture_intent(intent_id, idempotency_key=key)
        if p.status is S.VOIDING:
            return await gateway.cancel_intent(intent_id, idempotency_key=key)
    except StripeRejected as exc:  # not capturable / cancellable now: see what it is
        log.info("Stripe refused the call for payment %s (%s); re-fetching", p.payment_id, exc)
    intent = await gateway.retrieve_intent(intent_id)
    if p.status is S.CANCELLING and _cancels(p, intent.status):
        return await gateway.cancel_intent(intent.id, idempotency_key=key)
    return intent


def _cancels(p: Payment, status: str) -> bool:
    """Whether a cancel owed because the hold ended goes ahead at this intent status. An
    authorization for a hold the mentee released is voided (booking refuses it too); one
    for a hold that expired is left for booking, which books it if a seat is still free
    (the rule both services apply: services/payments/README.md, "Holds and payments")."""
    if not can_cancel_intent(status):
        return False
    if status != IntentStatus.REQUIRES_CAPTURE:
        return True
    return p.cancel_reason == PaymentCancelReason.HOLD_RELEASED.value


async def _record(uow: PaymentsUow, p: Payment, intent: Intent) -> None:
    st = intent.status
    if p.status is S.CAPTURING and st == IntentStatus.SUCCEEDED:
        if moved := await uow.payments.transition(p.payment_id, [S.CAPTURING], S.CAPTURED):
            uow.emit(outgoing.captured(moved, uow.now(), await title_of(uow, moved.offering_id)))
    elif p.status is S.VOIDING and st == IntentStatus.CANCELED:
        if moved := await uow.payments.transition(p.payment_id, [S.VOIDING], S.VOIDED):
            uow.emit(outgoing.voided(moved, VoidReason.BOOKING_REJECTED, uow.now()))
    elif p.status is S.VOIDING and st == IntentStatus.SUCCEEDED:
        # Captured after all: the seat was refused, so the money goes back as a refund.
        if moved := await uow.payments.transition(p.payment_id, [S.VOIDING], S.CAPTURED):
            await order_refund(
                uow,
                Refundable.of_payment(moved),
                outgoing.refund_id_for("void", p.payment_id),
                p.amount_minor,
                RefundReason.BOOKING_REJECTED,
            )
    elif p.status is S.CANCELLING and st == IntentStatus.CANCELED:
        reason = PaymentCancelReason(p.cancel_reason or PaymentCancelReason.HOLD_EXPIRED.value)
        if moved := await uow.payments.transition(p.payment_id, [S.CANCELLING], S.CANCELLED):
            uow.emit(outgoing.cancelled(moved, reason, uow.now()))
    elif p.status is S.CANCELLING and intent.observation().authorized:
        # Authorized before our cancel and its hold expired: booking books it if a seat is
        # still free, or refuses it and we void then.
        if moved := await uow.payments.transition(p.payment_id, [S.CANCELLING], S.VERIFIED):
            uow.emit(outgoing.verified(moved, uow.now(), await title_of(uow, moved.offering_id)))
    else:
        log.warning("payment %s (%s) sees intent status %s", p.payment_id, p.status, st)
        await uow.payments.release(p.payment_id)


async def order_refund(
    uow: PaymentsUow,
    paid: Refundable,
    refund_id: uuid.UUID,
    amount_minor: int,
    reason: RefundReason,
    booking_id: uuid.UUID | None = None,
) -> RefundOrder | None:
    """Record a refund to make (capped at what is left); None if nothing is left or the
    same cause already ordered it."""
    left = paid.amount_minor - await uow.refunds.reserved_for(paid.payment_id)
    amount = min(amount_minor, left)
    if amount <= 0:
        return None
    order = RefundOrder(refund_id, paid.payment_id, booking_id, amount, reason.value)
    return order if await uow.refunds.add(order) else None


async def refundable(uow: PaymentsUow, payment_id: uuid.UUID) -> Refundable | None:
    """A one-time payment, or the subscription cycle whose payment id it is."""
    payment = await uow.payments.get(payment_id)
    if payment is not None:
        return Refundable.of_payment(payment)
    cycle = await uow.subscriptions.cycle_of_payment(payment_id)
    if cycle is None:
        return None
    sub = await uow.subscriptions.get(cycle.subscription_id)
    assert sub is not None  # a cycle belongs to a subscription row
    return Refundable(
        cycle.payment_id, PaymentMethod.SUBSCRIPTION.value, sub.mentee_id, cycle.amount_minor,
        cycle.currency, captured=True, invoice_id=cycle.stripe_invoice_id,
        offering_id=sub.offering_id, mentee_email=sub.mentee_email, mentee_name=sub.mentee_name,
    )  # fmt: skip


async def drive_refund(uow: PaymentsUow, gateway: StripeGateway, rid: uuid.UUID) -> None:
    """Make a pending refund at Stripe (same commit-call-commit shape as drive_payment)."""
    refund = await uow.refunds.lease(rid, LEASE_S)
    paid = await refundable(uow, refund.payment_id) if refund else None
    await uow.commit()
    if refund is None or paid is None:
        return
    if not paid.captured:
        await uow.refunds.release(rid)  # not captured yet: the sweeper comes back
        await uow.commit()
        return
    try:
        done = await gateway.refund(
            paid.intent_id or await _intent_of_invoice(gateway, paid),
            amount=refund.amount_minor,
            idempotency_key=f"kairos-refund-{rid}",
        )
    except (StripeUnavailable, StripeRejected) as exc:
        log.warning("refund %s failed (%s); will retry", rid, exc)
        await uow.refunds.release(rid)
        await uow.commit()
        return
    if moved := await uow.refunds.mark_succeeded(rid, stripe_refund_id=done.id):
        if paid.invoice_id is None:
            await uow.payments.add_refunded(paid.payment_id, moved.amount_minor)
        uow.emit(outgoing.refunded(paid, moved, uow.now(), await title_of(uow, paid.offering_id)))
    await uow.commit()


async def _intent_of_invoice(gateway: StripeGateway, paid: Refundable) -> str:
    """The PaymentIntent that paid a cycle's invoice (read from Stripe when refunding)."""
    assert paid.invoice_id is not None
    invoice = await gateway.retrieve_invoice(paid.invoice_id)
    if invoice.payment_intent is None:
        raise StripeRejected(f"invoice {invoice.id} names no PaymentIntent to refund")
    return invoice.payment_intent
