"""Payments as a state machine: which Stripe status moves a payment where, forward only.

A payment is one attempt to pay for one hold. Stripe is the authority on a card
payment's state; we decide on the PaymentIntent's *current* status (re-fetched), never on
the name of the event that told us something changed, so duplicates and out-of-order
deliveries are harmless.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class PaymentStatus(StrEnum):
    CREATING = "creating"  # row reserved for the hold; PaymentIntent being created
    CREATE_FAILED = "create_failed"  # Stripe refused or was away; a retry may take over
    OPEN = "open"  # PaymentIntent exists, not authorized yet (a declined card included)
    VERIFIED = "verified"  # authorized (card) or debited (credits): PaymentVerified sent
    CANCELLING = "cancelling"  # cancel requested (hold ended first), Stripe call pending
    CANCELLED = "cancelled"
    FAILED = "failed"  # no longer reached: a declined card leaves the payment open
    CAPTURING = "capturing"  # capture requested (BookingConfirmed), Stripe call pending
    CAPTURED = "captured"
    VOIDING = "voiding"  # void requested (BookingRejected), Stripe call pending
    VOIDED = "voided"


#: States in which a Stripe call is owed; the sweeper re-drives them after a crash.
PENDING_ACTIONS = (PaymentStatus.CANCELLING, PaymentStatus.CAPTURING, PaymentStatus.VOIDING)

#: Before the money is secured: a PaymentIntent that may still be authorized.
UNSECURED = (PaymentStatus.CREATING, PaymentStatus.CREATE_FAILED, PaymentStatus.OPEN)


class IntentStatus(StrEnum):
    """Stripe PaymentIntent statuses (those we act on; others mean 'not yet')."""

    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


class Outcome(StrEnum):
    """What an observed PaymentIntent status means for an open payment."""

    NOTHING = "nothing"
    VERIFIED = "verified"
    DECLINED = "declined"  # this card was refused; the payment stays open for another
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Observation:
    """A PaymentIntent as fetched from Stripe (only what the decision needs)."""

    status: str
    failed: bool = False  # a last_payment_error is present

    @property
    def authorized(self) -> bool:
        # 'succeeded' counts too: the money is secured either way.
        return self.status in (IntentStatus.REQUIRES_CAPTURE, IntentStatus.SUCCEEDED)


def outcome_for_open_payment(seen: Observation) -> Outcome:
    """An open (not yet secured) card payment meets its PaymentIntent's status."""
    if seen.authorized:
        return Outcome.VERIFIED
    if seen.status == IntentStatus.CANCELED:
        return Outcome.CANCELLED
    if seen.status == IntentStatus.REQUIRES_PAYMENT_METHOD and seen.failed:
        # Stripe keeps the PaymentIntent for another card: so do we, and so does booking
        # keep the hold until it expires (or the mentee releases it).
        return Outcome.DECLINED
    return Outcome.NOTHING


def can_cancel_intent(status: str) -> bool:
    """Stripe accepts a cancel in these states (an authorization included)."""
    return status in (
        IntentStatus.REQUIRES_PAYMENT_METHOD,
        IntentStatus.REQUIRES_CONFIRMATION,
        IntentStatus.REQUIRES_ACTION,
        IntentStatus.REQUIRES_CAPTURE,
    )


def credits_for_refund(credits_spent: int, amount_minor: int, refund_minor: int) -> int:
    """Credits given back for a money refund: the same share of what was spent, rounded
    down (a full refund returns every credit)."""
    if amount_minor <= 0 or refund_minor >= amount_minor:
        return credits_spent
    return credits_spent * refund_minor // amount_minor


@dataclass(frozen=True)
class Payment:
    payment_id: uuid.UUID
    hold_id: uuid.UUID
    method: str  # kairos_contracts PaymentMethod value: card | credits
    mentee_id: uuid.UUID
    offering_id: uuid.UUID
    amount_minor: int
    currency: str
    status: PaymentStatus
    credits_spent: int | None = None
    stripe_payment_intent_id: str | None = None
    booking_id: uuid.UUID | None = None
    cancel_reason: str | None = None
    refunded_minor: int = 0
    #: the last card refusal, as Stripe worded it; ``declined_charge`` tells one decline
    #: from the next (each attempt is a new charge), so each is told once
    decline_code: str | None = None
    decline_message: str | None = None
    declined_charge: str | None = None
    #: the payer's contact from their own token at checkout, for receipts (None when an
    #: admin paid for them, or their token carried none)
    payer_email: str | None = None
    payer_name: str | None = None

    @property
    def idempotency_base(self) -> str:
        """Stripe idempotency keys derive from the hold: one hold, one PaymentIntent."""
        return f"kairos-hold-{self.hold_id}"


@dataclass(frozen=True)
class RefundOrder:
    refund_id: uuid.UUID
    payment_id: uuid.UUID
    booking_id: uuid.UUID | None
    amount_minor: int
    reason: str
    status: str = "pending"
    stripe_refund_id: str | None = None
    credits_returned: int | None = None


@dataclass(frozen=True)
class Refundable:
    """What money goes back against: a one-time card or credit payment, or a subscription
    cycle's invoice (a session's share of it). ``intent_id`` is None for a cycle until its
    invoice is read (the PaymentIntent that paid it); ``captured`` says the money is taken
    (only then can Stripe refund it). ``offering_id`` and the payer's contact are for the
    receipt: a cycle's subscription holds the subscriber's contact, a one-time payment
    the one its checkout kept."""

    payment_id: uuid.UUID
    method: str
    mentee_id: uuid.UUID
    amount_minor: int
    currency: str
    captured: bool
    intent_id: str | None = None
    invoice_id: str | None = None
    credits_spent: int | None = None
    offering_id: uuid.UUID | None = None
    mentee_email: str | None = None
    mentee_name: str | None = None

    @classmethod
    def of_payment(cls, p: Payment) -> Refundable:
        return cls(
            p.payment_id, p.method, p.mentee_id, p.amount_minor, p.currency,
            captured=p.status is PaymentStatus.CAPTURED,
            intent_id=p.stripe_payment_intent_id, credits_spent=p.credits_spent,
            offering_id=p.offering_id, mentee_email=p.payer_email, mentee_name=p.payer_name,
        )  # fmt: skip
