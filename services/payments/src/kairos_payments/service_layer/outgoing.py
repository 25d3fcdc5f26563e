"""Every event payments publishes is built here, and only here
(libs/contracts/tests/test_catalog_emitters.py): one small builder per event and case,
from its own records; ``at`` is when (the handler's ``uow.now()``). No builder does I/O.

Also the ids derived from a cause (a refund's, a cycle's payment's), so that a replayed
cause maps to the same one.

What a receipt needs rides along: ``payer``, the paying user with the contact payments
holds for them (from the payer's own token: a subscription keeps its subscriber's, a
one-time payment its payer's at checkout, a credit purchase its buyer's; None when none
was kept, as when an admin paid for a mentee), and ``description``, what
was bought: the offering's ``title`` the caller read from the projection (None while the
offering is unknown), or for credits their count."""

from __future__ import annotations

import uuid
from datetime import datetime

from kairos_contracts.events.payments import (
    CreditsPurchased,
    PaymentCancelled,
    PaymentCancelReason,
    PaymentCaptured,
    PaymentFailed,
    PaymentRefunded,
    PaymentVerified,
    PaymentVoided,
    RefundReason,
    SubscriptionCancelled,
    SubscriptionReactivated,
    VoidReason,
)
from kairos_contracts.types import Actor, BillingCycle, PaymentMethod, Person
from kairos_payments.domain.credits import CreditPurchase
from kairos_payments.domain.payments import Payment, Refundable, RefundOrder
from kairos_payments.domain.subscriptions import Cycle, Subscription


def _base(p: Payment) -> dict[str, object]:
    return {"payment_id": p.payment_id, "method": PaymentMethod(p.method), "mentee_id": p.mentee_id}


def verified(p: Payment, at: datetime, title: str | None = None) -> PaymentVerified:
    return PaymentVerified(
        **_base(p),
        offering_id=p.offering_id,
        amount_minor=p.amount_minor,
        currency=p.currency,
        hold_id=p.hold_id,
        credits_spent=p.credits_spent,
        stripe_payment_intent_id=p.stripe_payment_intent_id,
        verified_at=at,
        mentee=_payer(p),
        description=_label(title),
    )


def cancelled(p: Payment, reason: PaymentCancelReason, at: datetime) -> PaymentCancelled:
    return PaymentCancelled(
        **_base(p),
        hold_id=p.hold_id,
        reason=reason,
        cancelled_at=at,
    )


def failed(p: Payment, at: datetime) -> PaymentFailed:
    """A card attempt refused (the payment stays open for another card)."""
    return PaymentFailed(
        **_base(p),
        hold_id=p.hold_id,
        failure_code=(p.decline_code or "card_error")[:100],
        failure_message=p.decline_message[:1000] if p.decline_message else None,
        failed_at=at,
    )


def captured(p: Payment, at: datetime, title: str | None = None) -> PaymentCaptured:
    return PaymentCaptured(
        **_base(p),
        booking_id=p.booking_id,
        amount_minor=p.amount_minor,
        currency=p.currency,
        stripe_payment_intent_id=p.stripe_payment_intent_id,
        captured_at=at,
        payer=_payer(p),
        description=_label(title),
    )


def voided(p: Payment, reason: VoidReason, at: datetime) -> PaymentVoided:
    return PaymentVoided(
        **_base(p),
        hold_id=p.hold_id,
        amount_minor=p.amount_minor,
        currency=p.currency,
        reason=reason,
        voided_at=at,
    )


def refunded(
    p: Refundable, r: RefundOrder, at: datetime, title: str | None = None
) -> PaymentRefunded:
    return PaymentRefunded(
        payment_id=p.payment_id,
        method=PaymentMethod(p.method),
        mentee_id=p.mentee_id,
        refund_id=r.refund_id,
        booking_id=r.booking_id,
        amount_minor=r.amount_minor,
        currency=p.currency,
        credits_returned=r.credits_returned or None,
        reason=RefundReason(r.reason),
        stripe_refund_id=r.stripe_refund_id,
        refunded_at=at,
        payer=_person(p.mentee_id, p.mentee_email, p.mentee_name),
        description=_label(title),
    )


def credits_purchased(p: CreditPurchase, balance_after: int, at: datetime) -> CreditsPurchased:
    return CreditsPurchased(
        user_id=p.user_id,
        purchase_id=p.purchase_id,
        credits=p.credits,
        balance_after=balance_after,
        amount_minor=p.amount_minor,
        currency=p.currency,
        stripe_payment_intent_id=p.stripe_payment_intent_id,
        purchased_at=at,
        payer=_person(p.user_id, p.payer_email, p.payer_name),
        description=credits_label(p.credits),
    )


def refund_id_for(cause: str, *parts: object) -> uuid.UUID:
    """A refund id derived from its cause, so a replayed cause maps to the same refund."""
    return uuid.uuid5(
        uuid.NAMESPACE_URL, "kairos:refund:" + cause + ":" + ":".join(map(str, parts))
    )


def cycle_payment_id(invoice_id: str) -> uuid.UUID:
    """A cycle's payment id derives from its invoice: the same invoice, the same payment."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "kairos:invoice:" + invoice_id)


def credits_label(credits: int) -> str:
    """What a credit purchase bought, as its receipt names it ("10 credits")."""
    return f"{credits} credit" if credits == 1 else f"{credits} credits"


def _label(text: str | None) -> str | None:
    """A title as a contracts Label (1 to 200 characters), None when there is none."""
    text = (text or "").strip()
    return text[:200] or None


def _person(user_id: uuid.UUID, email: str | None, name: str | None) -> Person | None:
    """The user with the contact we hold for them; None when we hold none."""
    if email is None and name is None:
        return None
    return Person(user_id=user_id, email=email, display_name=name)


def _payer(p: Payment) -> Person | None:
    """A one-time payment's payer (its mentee) with the contact its checkout kept."""
    return _person(p.mentee_id, p.payer_email, p.payer_name)


def cycle_verified(
    s: Subscription, c: Cycle, at: datetime, title: str | None = None
) -> PaymentVerified:
    """A cycle's invoice paid: ``cycle`` is the period it pays for, ``mentee`` the payer."""
    return PaymentVerified(
        payment_id=c.payment_id,
        method=PaymentMethod.SUBSCRIPTION,
        mentee_id=s.mentee_id,
        offering_id=s.offering_id,
        amount_minor=c.amount_minor,
        currency=c.currency,
        subscription_id=s.subscription_id,
        cycle=BillingCycle(number=c.number, starts_at=c.starts_at, ends_at=c.ends_at),
        stripe_invoice_id=c.stripe_invoice_id,
        verified_at=at,
        mentee=_person(s.mentee_id, s.mentee_email, s.mentee_name),
        description=_label(title),
    )


def _subscription_base(s: Subscription) -> dict[str, object]:
    return {
        "subscription_id": s.subscription_id,
        "mentee_id": s.mentee_id,
        "offering_id": s.offering_id,
        "stripe_subscription_id": s.stripe_subscription_id,
    }


def subscription_cancelled(s: Subscription) -> SubscriptionCancelled:
    assert s.unsubscribed_at is not None and s.cancelled_by is not None
    return SubscriptionCancelled(
        **_subscription_base(s),
        unsubscribed_at=s.unsubscribed_at,
        cancelled_by=Actor(s.cancelled_by),
    )


def subscription_reactivated(
    s: Subscription, undoes: datetime, by: Actor, at: datetime
) -> SubscriptionReactivated:
    return SubscriptionReactivated(
        **_subscription_base(s),
        undoes_unsubscribed_at=undoes,
        reactivated_at=at,
        reactivated_by=by,
    )
