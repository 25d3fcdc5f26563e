"""What booking's decisions mean for the money: capture, void, refund, credits back."""

from __future__ import annotations

import logging
import uuid

from kairos_contracts import Envelope
from kairos_contracts.events.booking import BookingCancelled, BookingConfirmed, BookingRejected
from kairos_contracts.events.payments import RefundReason, VoidReason
from kairos_contracts.types import PaymentMethod
from kairos_payments.domain.credits import LedgerReason
from kairos_payments.domain.payments import Payment, Refundable, credits_for_refund
from kairos_payments.domain.payments import PaymentStatus as S
from kairos_payments.service_layer import outgoing
from kairos_payments.service_layer.actions import (
    drive_payment,
    drive_refund,
    order_refund,
    refundable,
)
from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.service_layer.offerings import on_subscription_rejection, title_of
from kairos_payments.service_layer.ports import PaymentsUow

log = logging.getLogger(__name__)


async def _payment(uow: PaymentsUow, payment_id: uuid.UUID, what: str) -> Payment | None:
    payment = await uow.payments.get(payment_id)
    if payment is None:
        log.info("%s for payment %s that is not ours; skipped", what, payment_id)
    return payment


async def on_booking_confirmed(
    event: BookingConfirmed, envelope: Envelope, uow: PaymentsUow, gateway: StripeGateway
) -> None:
    p = await uow.payments.get(event.payment_id)
    if p is None:
        if event.payment_method == PaymentMethod.SUBSCRIPTION:
            # a programme session: its cycle was paid already; remember which one paid it
            await uow.payments.link_session(event.booking_id, event.payment_id)
        else:
            log.info("BookingConfirmed for payment %s that is not ours; skipped", event.payment_id)
        return
    if p.method == PaymentMethod.CREDITS:
        # Credits were taken at checkout; confirming settles them for good.
        if moved := await uow.payments.transition(
            p.payment_id, [S.VERIFIED], S.CAPTURED, booking_id=event.booking_id
        ):
            uow.emit(outgoing.captured(moved, uow.now(), await title_of(uow, moved.offering_id)))
        return
    moved = await uow.payments.transition(
        p.payment_id, [S.VERIFIED], S.CAPTURING, booking_id=event.booking_id
    )
    if moved is not None or p.status is S.CAPTURING:
        await drive_payment(uow, gateway, p.payment_id)


async def on_booking_rejected(
    event: BookingRejected, envelope: Envelope, uow: PaymentsUow, gateway: StripeGateway
) -> None:
    if event.payment_method == PaymentMethod.SUBSCRIPTION:
        await on_subscription_rejection(event, uow)  # credits, never money: billing goes on
        return
    p = await _payment(uow, event.payment_id, "BookingRejected")
    if p is None:
        return
    if p.method == PaymentMethod.CREDITS:
        if moved := await uow.payments.transition(p.payment_id, [S.VERIFIED], S.VOIDED):
            ref = outgoing.refund_id_for("rejection", event.rejection_id)
            await uow.credits.credit(p.mentee_id, p.credits_spent or 0, LedgerReason.RETURN, ref)
            uow.emit(outgoing.voided(moved, VoidReason.BOOKING_REJECTED, uow.now()))
        return
    if p.status is S.CAPTURED:  # too late to void: give the money back
        rid = event.rejection_id
        paid = Refundable.of_payment(p)
        if await order_refund(uow, paid, rid, event.amount_minor, RefundReason.BOOKING_REJECTED):
            await drive_refund(uow, gateway, rid)
        return
    moved = await uow.payments.transition(p.payment_id, [S.VERIFIED], S.VOIDING)
    if moved is not None or p.status is S.VOIDING:
        await drive_payment(uow, gateway, p.payment_id)


async def on_booking_cancelled(
    event: BookingCancelled, envelope: Envelope, uow: PaymentsUow, gateway: StripeGateway
) -> None:
    """Give back exactly the ``refund_amount_minor`` booking announced: to the card that
    paid (a one-time payment, or for a programme session the cycle's invoice), or as the
    same share of the credits spent."""
    if event.refund_amount_minor <= 0:
        return
    paid = await refundable(uow, event.payment_id)
    if paid is None:
        log.error("BookingCancelled for payment %s that is not ours; skipped", event.payment_id)
        return
    # One refund per cancellation: a restored-then-cancelled booking has a new sequence.
    rid = outgoing.refund_id_for("cancel", event.booking_id, event.sequence)
    order = await order_refund(
        uow, paid, rid, event.refund_amount_minor, RefundReason.BOOKING_CANCELLED, event.booking_id
    )
    if order is None:
        return
    if paid.method == PaymentMethod.CREDITS:
        back = credits_for_refund(paid.credits_spent or 0, paid.amount_minor, order.amount_minor)
        if back > 0:
            await uow.credits.credit(paid.mentee_id, back, LedgerReason.RETURN, rid)
        if done := await uow.refunds.mark_succeeded(rid, credits_returned=back or None):
            title = await title_of(uow, paid.offering_id)
            uow.emit(outgoing.refunded(paid, done, uow.now(), title))
        return
    await drive_refund(uow, gateway, rid)
