"""The hold projection: what booking decided a hold costs, and whether it is still open.

A hold that ends (expired, released) before its payment was authorized gets its
PaymentIntent cancelled, so nobody pays for a seat that is no longer theirs.
"""

from __future__ import annotations

from kairos_contracts import Envelope
from kairos_contracts.events.booking import HoldExpired, HoldPlaced, HoldReleased
from kairos_contracts.events.payments import PaymentCancelReason
from kairos_payments.domain.holds import Hold, HoldState
from kairos_payments.domain.payments import PaymentStatus as S
from kairos_payments.service_layer import outgoing
from kairos_payments.service_layer.actions import drive_payment
from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.service_layer.ports import PaymentsUow


async def on_hold_placed(event: HoldPlaced, envelope: Envelope, uow: PaymentsUow) -> None:
    await uow.holds.add_placed(
        Hold(
            hold_id=event.hold_id,
            offering_id=event.offering_id,
            mentee_id=event.mentee_id,
            starts_at=event.starts_at,
            amount_minor=event.amount_minor,
            currency=event.currency,
            price_in_credits=event.price_in_credits,
            expires_at=event.expires_at,
            state=HoldState.PLACED,
        )
    )


async def hold_ended(
    event: HoldExpired | HoldReleased,
    uow: PaymentsUow,
    gateway: StripeGateway,
    state: HoldState,
    reason: PaymentCancelReason,
) -> None:
    await uow.holds.mark_ended(
        event.hold_id,
        state,
        offering_id=event.offering_id,
        mentee_id=event.mentee_id,
        starts_at=event.starts_at,
    )
    payment = await uow.payments.by_hold(event.hold_id)
    if payment is None:
        return
    # No PaymentIntent yet: the checkout in flight sees the hold gone and cancels its own.
    if no_intent := await uow.payments.transition(
        payment.payment_id, [S.CREATING, S.CREATE_FAILED], S.CANCELLED, cancel_reason=reason.value
    ):
        uow.emit(outgoing.cancelled(no_intent, reason, uow.now()))
        return
    moved = await uow.payments.transition(
        payment.payment_id, [S.OPEN], S.CANCELLING, cancel_reason=reason.value
    )
    if moved is not None or payment.status is S.CANCELLING:
        await drive_payment(uow, gateway, payment.payment_id)
