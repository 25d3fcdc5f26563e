"""What the payments HTTP API reads and answers: pydantic models built from the domain's
objects (``...Out.of(...)``), each with an example for the OpenAPI document.

Naming: ``method`` says *how* a hold is paid (``card`` or ``credits``);
``payment_method_id`` is the Stripe payment method a card payment is confirmed with
(``pm_...``). ``payment_method`` is accepted as its former, deprecated name.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, cast

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, JsonValue

from kairos_contracts.types import Actor, PaymentMethod
from kairos_payments.domain.credits import CreditPurchase, LedgerEntry, LedgerReason
from kairos_payments.domain.payments import PaymentStatus
from kairos_payments.domain.statement import BookingPayment, LineKind, RefundLine, StatementLine
from kairos_payments.domain.subscriptions import Subscription, SubscriptionStatus
from kairos_payments.service_layer.checkout import CheckoutResult
from kairos_payments.service_layer.credits import Balance, PurchaseResult
from kairos_platform.pagination import Page

PurchaseStatus = Literal["creating", "open", "credited", "failed", "cancelled"]
PM_PATTERN = r"^pm_[A-Za-z0-9_]{1,200}$"
_PM_ID = "pm_card_visa"
_PM_DESCRIPTION = (
    "The Stripe payment method to pay with (`pm_...`, from Stripe.js). "
    "Formerly `payment_method`, still accepted (deprecated)."
)
_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
_AT = "2030-05-04T10:00:00Z"


def _deprecated_alias(old: str, new: str) -> Any:
    """Documents ``old`` as the deprecated former name of property ``new``."""

    def extra(schema: dict[str, Any]) -> None:
        properties = schema.get("properties", {})
        if new in properties:
            properties[old] = {
                **properties[new],
                "deprecated": True,
                "title": old.replace("_", " ").title(),
                "description": f"Deprecated: the former name of `{new}`.",
            }

    return extra


def _payment_method_id(*, required: bool) -> Any:
    return Field(
        ... if required else None,
        pattern=PM_PATTERN,
        validation_alias=AliasChoices("payment_method_id", "payment_method"),
        description=_PM_DESCRIPTION,
        examples=[_PM_ID],
    )


# --- requests -----------------------------------------------------------------------------


class CheckoutIn(BaseModel):
    """Pay for a hold. By card: without ``payment_method_id`` the answer carries the
    PaymentIntent's client secret for the browser (Stripe.js) to confirm; with it the card
    is confirmed here and the answer says how it went. With credits: the hold's price in
    credits is debited at once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_deprecated_alias("payment_method", "payment_method_id"),
    )

    hold_id: uuid.UUID = Field(examples=[_UUID])
    method: Literal["card", "credits"] = Field(default="card", description="How the hold is paid.")
    payment_method_id: str | None = _payment_method_id(required=False)


class PurchaseIn(BaseModel):
    """Buy a credit pack (`starter`: 5 credits, `standard`: 10, `pro`: 25)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_deprecated_alias("payment_method", "payment_method_id"),
    )

    pack: str = Field(min_length=1, max_length=50, examples=["starter"])
    purchase_id: uuid.UUID | None = Field(
        default=None,
        description="Chosen by the client to make a retry the same purchase.",
        examples=[_UUID],
    )
    payment_method_id: str | None = _payment_method_id(required=False)


class SubscribeIn(BaseModel):
    """Subscribe to a recurring offering, billed at the offering's price (never the
    client's)."""

    model_config = ConfigDict(
        extra="forbid",  # an amount, say, is refused outright
        json_schema_extra=_deprecated_alias("payment_method", "payment_method_id"),
    )

    offering_id: uuid.UUID = Field(examples=[_UUID])
    payment_method_id: str = _payment_method_id(required=True)


# --- answers ------------------------------------------------------------------------------


class DeclineOut(BaseModel):
    """The last card refusal, as Stripe worded it."""

    code: str | None = Field(examples=["card_declined"])
    message: str | None = Field(examples=["Your card was declined."])


class CheckoutOut(BaseModel):
    """A checkout: one payment for one hold. ``client_secret`` (for Stripe.js) and
    ``intent_status`` are given by the calls that looked at Stripe (create, confirmation),
    not by a read. ``decline`` is the last refusal while the payment is still open."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "payment_id": _UUID,
                    "hold_id": _UUID,
                    "method": "card",
                    "status": "open",
                    "amount_minor": 4500,
                    "currency": "EUR",
                    "payment_intent_id": "pi_123",
                    "client_secret": "pi_123_secret_456",
                    "intent_status": "requires_payment_method",
                    "decline": None,
                    "credits_spent": None,
                    "balance_after": None,
                }
            ]
        }
    )

    payment_id: uuid.UUID
    hold_id: uuid.UUID
    method: Literal["card", "credits"]
    status: PaymentStatus
    amount_minor: int
    currency: str
    payment_intent_id: str | None = None
    client_secret: str | None = None
    intent_status: str | None = None
    decline: DeclineOut | None = None
    credits_spent: int | None = None
    balance_after: int | None = Field(
        default=None, description="The credit balance after a credit payment made now."
    )

    @classmethod
    def of(cls, r: CheckoutResult) -> CheckoutOut:
        p = r.payment
        declined = p.decline_code is not None and p.status is PaymentStatus.OPEN
        return cls(
            payment_id=p.payment_id,
            hold_id=p.hold_id,
            method="credits" if p.method == "credits" else "card",
            status=p.status,
            amount_minor=p.amount_minor,
            currency=p.currency,
            payment_intent_id=r.intent.id if r.intent else p.stripe_payment_intent_id,
            client_secret=r.intent.client_secret if r.intent else None,
            intent_status=r.intent.status if r.intent else None,
            decline=DeclineOut(code=p.decline_code, message=p.decline_message)
            if declined
            else None,
            credits_spent=p.credits_spent,
            balance_after=r.balance_after,
        )


class PurchaseOut(BaseModel):
    """A credit pack purchase; ``credited`` once the credits are on the balance."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "purchase_id": _UUID,
                    "pack": "starter",
                    "credits": 5,
                    "amount_minor": 5000,
                    "currency": "EUR",
                    "status": "credited",
                    "payment_intent_id": "pi_123",
                    "client_secret": "pi_123_secret_456",
                }
            ]
        }
    )

    purchase_id: uuid.UUID
    pack: str
    credits: int
    amount_minor: int
    currency: str
    status: PurchaseStatus
    payment_intent_id: str | None
    client_secret: str | None

    @classmethod
    def of(cls, r: PurchaseResult) -> PurchaseOut:
        p: CreditPurchase = r.purchase
        return cls(
            purchase_id=p.purchase_id,
            pack=p.pack,
            credits=p.credits,
            amount_minor=p.amount_minor,
            currency=p.currency,
            status=cast(PurchaseStatus, p.status),
            payment_intent_id=r.intent.id if r.intent else None,
            client_secret=r.intent.client_secret if r.intent else None,
        )


class LedgerEntryOut(BaseModel):
    """One move of the balance: ``reference`` is what caused it (a payment, a purchase,
    a refund, a rejected subscription occurrence)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "delta": -1,
                    "balance_after": 4,
                    "reason": "payment",
                    "reference": _UUID,
                    "at": _AT,
                }
            ]
        }
    )

    delta: int
    balance_after: int
    reason: LedgerReason
    reference: uuid.UUID
    at: datetime

    @classmethod
    def of(cls, e: LedgerEntry) -> LedgerEntryOut:
        return cls(
            delta=e.delta,
            balance_after=e.balance_after,
            reason=e.reason,
            reference=e.reference,
            at=e.created_at,
        )


class CreditsOut(BaseModel):
    """A credit balance and its ledger, newest first, one page at a time (``limit`` and
    ``cursor`` page the ledger)."""

    user_id: uuid.UUID
    balance: int = Field(examples=[4])
    ledger: Page[LedgerEntryOut]

    @classmethod
    def of(cls, b: Balance, ledger: Page[LedgerEntryOut]) -> CreditsOut:
        return cls(user_id=b.user_id, balance=b.balance, ledger=ledger)


_LINE_EXAMPLE: dict[str, JsonValue] = {
    "payment_id": _UUID,
    "kind": "checkout",
    "method": "card",
    "status": "captured",
    "amount_minor": 4500,
    "currency": "EUR",
    "charged_minor": 4500,
    "refunded_minor": 1000,
    "credits_spent": None,
    "credits_returned": 0,
    "hold_id": _UUID,
    "booking_id": _UUID,
    "subscription_id": None,
    "cycle_number": None,
    "decline": None,
    "payment_intent_id": "pi_123",
    "created_at": _AT,
}


class StatementLineOut(BaseModel):
    """One payment of a person's statement. ``charged_minor`` is money taken from the card
    (an authorization not captured, a void or a credit payment take none);
    ``refunded_minor`` is money given back to it; ``credits_returned`` counts credits given
    back for a credit payment. ``status`` is the payment's (checkout), ``paid`` (cycle)
    or the purchase's (credit pack)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_LINE_EXAMPLE]})

    payment_id: uuid.UUID
    kind: LineKind
    method: PaymentMethod
    status: str
    amount_minor: int
    currency: str
    charged_minor: int
    refunded_minor: int
    credits_spent: int | None
    credits_returned: int
    hold_id: uuid.UUID | None
    booking_id: uuid.UUID | None
    subscription_id: uuid.UUID | None
    cycle_number: int | None
    decline: DeclineOut | None
    payment_intent_id: str | None = Field(
        description="The PaymentIntent of a checkout or credit pack (null for a cycle)."
    )
    created_at: datetime

    @classmethod
    def of(cls, line: StatementLine) -> StatementLineOut:
        declined = line.decline_code is not None
        return cls(
            payment_id=line.payment_id,
            kind=line.kind,
            method=PaymentMethod(line.method),
            status=line.status,
            amount_minor=line.amount_minor,
            currency=line.currency,
            charged_minor=line.charged_minor,
            refunded_minor=line.refunded_minor,
            credits_spent=line.credits_spent,
            credits_returned=line.credits_returned,
            hold_id=line.hold_id,
            booking_id=line.booking_id,
            subscription_id=line.subscription_id,
            cycle_number=line.cycle_number,
            decline=DeclineOut(code=line.decline_code, message=line.decline_message)
            if declined
            else None,
            payment_intent_id=line.payment_intent_id,
            created_at=line.created_at,
        )


class RefundOut(BaseModel):
    """Given back for the booking: money to the card, or (a credit payment) credits, whose
    count is ``credits_returned``. ``pending`` until Stripe (or the ledger) has made it."""

    refund_id: uuid.UUID
    amount_minor: int
    reason: str = Field(examples=["booking_cancelled"])
    status: Literal["pending", "succeeded"]
    credits_returned: int | None
    created_at: datetime

    @classmethod
    def of(cls, r: RefundLine) -> RefundOut:
        return cls(
            refund_id=r.refund_id,
            amount_minor=r.amount_minor,
            reason=r.reason,
            status=cast(Literal["pending", "succeeded"], r.status),
            credits_returned=r.credits_returned,
            created_at=r.created_at,
        )


class BookingPaymentOut(StatementLineOut):
    """A payment of a booking: its checkout (``card`` or ``credits``), or the subscription
    cycle that paid a programme session (``kind: cycle``; its amount is the whole cycle's).
    ``refunds`` are those made for this booking; ``refunded_minor`` and
    ``credits_returned`` sum the ones made already."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_LINE_EXAMPLE,
                    "payer_id": _UUID,
                    "refunds": [
                        {
                            "refund_id": _UUID,
                            "amount_minor": 1000,
                            "reason": "booking_cancelled",
                            "status": "succeeded",
                            "credits_returned": None,
                            "created_at": _AT,
                        }
                    ],
                }
            ]
        }
    )

    payer_id: uuid.UUID
    refunds: list[RefundOut]

    @classmethod
    def of_booking(cls, p: BookingPayment) -> BookingPaymentOut:
        line = StatementLineOut.of(p.line).model_dump()
        return cls(**line, payer_id=p.payer_id, refunds=[RefundOut.of(r) for r in p.refunds])


class BookingPaymentsOut(BaseModel):
    """What paid a booking (one payment: its checkout or its cycle) and its refunds."""

    booking_id: uuid.UUID
    payments: list[BookingPaymentOut]


class PeriodOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class SubscriptionOut(BaseModel):
    """A subscription to a recurring offering. ``current_period`` is the last paid cycle;
    ``offering_title`` is null only while the offering is not known here."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subscription_id": _UUID,
                    "offering_id": _UUID,
                    "offering_title": "Career mentoring",
                    "mentee_id": _UUID,
                    "status": "active",
                    "amount_minor": 4500,
                    "currency": "EUR",
                    "stripe_subscription_id": "sub_123",
                    "current_period": {"starts_at": _AT, "ends_at": "2030-06-04T10:00:00Z"},
                    "unsubscribed_at": None,
                    "cancelled_by": None,
                }
            ]
        }
    )

    subscription_id: uuid.UUID
    offering_id: uuid.UUID
    offering_title: str | None = None
    mentee_id: uuid.UUID
    status: SubscriptionStatus
    amount_minor: int
    currency: str
    stripe_subscription_id: str | None
    current_period: PeriodOut | None
    unsubscribed_at: datetime | None
    cancelled_by: Actor | None = Field(description="Who unsubscribed (while unsubscribed).")

    @classmethod
    def of(cls, s: Subscription, title: str | None = None) -> SubscriptionOut:
        period = None
        if s.current_period_start and s.current_period_end:
            period = PeriodOut(starts_at=s.current_period_start, ends_at=s.current_period_end)
        return cls(
            subscription_id=s.subscription_id,
            offering_id=s.offering_id,
            offering_title=title,
            mentee_id=s.mentee_id,
            status=s.status,
            amount_minor=s.amount_minor,
            currency=s.currency,
            stripe_subscription_id=s.stripe_subscription_id,
            current_period=period,
            unsubscribed_at=s.unsubscribed_at,
            cancelled_by=Actor(s.cancelled_by) if s.cancelled_by else None,
        )


class WebhookAck(BaseModel):
    """Stripe's event taken (``duplicate``: it had been handled before)."""

    received: Literal[True] = True
    event_id: str = Field(examples=["evt_123"])
    duplicate: bool
