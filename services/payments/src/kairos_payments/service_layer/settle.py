"""Apply a PaymentIntent's current status to our records: the one code path shared by
webhooks, reconciliation, checkout's server-side confirm and the sweeper.

It only moves records forward (conditional transitions), and emits an event only when it
moved something, so seeing the same status twice, or an older event after a newer one,
changes nothing.
"""

from __future__ import annotations

import logging
import uuid

from kairos_contracts.events.payments import PaymentCancelReason
from kairos_payments.domain.credits import LedgerReason
from kairos_payments.domain.payments import IntentStatus, Outcome, PaymentStatus
from kairos_payments.domain.payments import outcome_for_open_payment as decide
from kairos_payments.service_layer import outgoing
from kairos_payments.service_layer.gateway import Intent
from kairos_payments.service_layer.offerings import title_of
from kairos_payments.service_layer.ports import PaymentsUow

log = logging.getLogger(__name__)
OPEN = (PaymentStatus.OPEN,)


async def settle_intent(uow: PaymentsUow, intent: Intent) -> None:
    payment = await uow.payments.by_intent(intent.id)
    if payment is not None:
        await _settle_payment(uow, payment.payment_id, intent)
        return
    purchase = await uow.credits.purchase_by_intent(intent.id)
    if purchase is not None:
        await _settle_purchase(uow, purchase.purchase_id, intent)
        return
    log.info("PaymentIntent %s is not one of ours (or not recorded yet)", intent.id)


async def awaits_intent(uow: PaymentsUow, intent_id: str) -> bool:
    """Whether the PaymentIntent's status can still change our records: its payment or
    credit purchase is open, or none is known (yet). Past open, only our own calls move
    them on (capture, void, cancel, refund), so an event about them needs no re-fetch."""
    payment = await uow.payments.by_intent(intent_id)
    if payment is not None:
        return payment.status in OPEN
    purchase = await uow.credits.purchase_by_intent(intent_id)
    if purchase is not None:
        return purchase.status == "open"
    return True


async def _settle_payment(uow: PaymentsUow, payment_id: uuid.UUID, intent: Intent) -> None:
    outcome = decide(intent.observation())
    pid = payment_id
    if outcome is Outcome.VERIFIED:
        moved = await uow.payments.transition(pid, OPEN, PaymentStatus.VERIFIED)
        if moved:
            uow.emit(outgoing.verified(moved, uow.now(), await title_of(uow, moved.offering_id)))
    elif outcome is Outcome.DECLINED:
        # The payment stays open for another card; each refused attempt is told once.
        declined = await uow.payments.record_decline(
            pid, intent.error_charge, intent.error_code, intent.error_message
        )
        if declined:
            uow.emit(outgoing.failed(declined, uow.now()))
    elif outcome is Outcome.CANCELLED:
        moved = await uow.payments.transition(
            pid,
            OPEN,
            PaymentStatus.CANCELLED,
            cancel_reason=PaymentCancelReason.ABANDONED.value,
        )
        if moved:
            uow.emit(outgoing.cancelled(moved, PaymentCancelReason.ABANDONED, uow.now()))


async def _settle_purchase(uow: PaymentsUow, purchase_id: uuid.UUID, intent: Intent) -> None:
    pid = purchase_id
    if intent.status == IntentStatus.SUCCEEDED:
        moved = await uow.credits.move_purchase(pid, ["open"], "credited")
        if moved is None:
            return
        after = await uow.credits.credit(
            moved.user_id, moved.credits, LedgerReason.PURCHASE, moved.purchase_id
        )
        if after is not None:
            uow.emit(outgoing.credits_purchased(moved, after, uow.now()))
    elif intent.status == IntentStatus.CANCELED:
        await uow.credits.move_purchase(pid, ["open"], "cancelled")
    elif intent.observation().failed and intent.status == IntentStatus.REQUIRES_PAYMENT_METHOD:
        await uow.credits.move_purchase(pid, ["open"], "failed")
