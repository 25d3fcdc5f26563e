"""What the service layer needs from Stripe (the port); adapters/stripe_gateway.py is the
real one, tests use a fake. Every call is network I/O: callers never hold a database
transaction open across one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from kairos_payments.domain.payments import Observation
from kairos_platform.refusals import BadRequest, PaymentRequired, Unavailable


class StripeUnavailable(Unavailable):
    """Stripe could not be reached or answered 5xx/429: try again later (503 with
    Retry-After). ``str()`` keeps the cause for the logs; the answer does not show it."""

    def __init__(self, reason: str) -> None:
        super().__init__("Payments are unavailable; retry shortly.", retry_after_s=5)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class PaymentRefused(PaymentRequired):
    """The money was refused (402 ``payment-refused``)."""

    title = "Payment refused"
    default_slug = "payment-refused"


class StripeRejected(PaymentRefused):
    """Stripe refused the request (4xx): the object is not in a state that allows it.
    Answered as Stripe worded it."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class InvalidSignature(BadRequest):
    """A webhook whose signature is missing, forged or too old (400)."""

    default_slug = "invalid-signature"


@dataclass(frozen=True)
class Intent:
    id: str
    status: str
    amount: int
    currency: str
    client_secret: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    error_code: str | None = None
    error_message: str | None = None
    #: the refused charge (each attempt with a card is a new one)
    error_charge: str | None = None

    def observation(self) -> Observation:
        return Observation(self.status, failed=self.error_code is not None)


@dataclass(frozen=True)
class Refund:
    id: str
    status: str
    amount: int
    key: str | None = None  # the idempotency key it was made with


@dataclass(frozen=True)
class StripeSubscription:
    id: str
    status: str
    customer: str
    metadata: dict[str, str] = field(default_factory=dict)
    latest_invoice: str | None = None


@dataclass(frozen=True)
class StripeInvoice:
    id: str
    status: str
    subscription: str | None
    amount_paid: int
    currency: str
    #: the subscription line's period (the service period the invoice pays for), epoch s
    period_start: int
    period_end: int
    #: the PaymentIntent that paid it (a session's share is refunded against it)
    payment_intent: str | None = None


@dataclass(frozen=True)
class StripeEvent:
    """A Stripe event as we use it: what changed, not what it says about it."""

    id: str
    type: str
    created: int
    object_type: str | None
    object_id: str | None


class StripeGateway(Protocol):
    async def create_intent(
        self,
        *,
        amount: int,
        currency: str,
        metadata: dict[str, str],
        idempotency_key: str,
        manual_capture: bool,
        payment_method: str | None = None,
    ) -> Intent: ...

    async def confirm_intent(
        self, intent_id: str, *, idempotency_key: str, payment_method: str | None = None
    ) -> Intent:
        """Confirm (with ``payment_method`` instead of the one it has, if given); a declined
        card is not an error here: the returned intent says so."""
        ...

    async def retrieve_intent(self, intent_id: str) -> Intent: ...

    async def capture_intent(self, intent_id: str, *, idempotency_key: str) -> Intent: ...

    async def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> Intent: ...

    async def refund(self, intent_id: str, *, amount: int, idempotency_key: str) -> Refund: ...

    # --- subscriptions -------------------------------------------------------------------

    async def create_customer(self, *, metadata: dict[str, str], idempotency_key: str) -> str:
        """A new Stripe customer's id."""
        ...

    async def attach_payment_method(self, customer: str, payment_method: str) -> str:
        """Attach and make it the customer's default for invoices; the attached method's
        id (test methods like ``pm_card_visa`` become a new object). StripeRejected with
        code ``card_declined`` when the card is refused."""
        ...

    async def ensure_plan(
        self, *, plan_id: str, amount: int, currency: str, interval: str, product_name: str
    ) -> str:
        """The plan ``plan_id`` with that price, created unless it exists."""
        ...

    async def create_subscription(
        self,
        *,
        customer: str,
        plan: str,
        metadata: dict[str, str],
        idempotency_key: str,
        trial_end: int | None = None,
    ) -> StripeSubscription: ...

    async def find_subscription(self, customer: str, key: str) -> StripeSubscription | None:
        """The customer's live subscription tagged ``kairos_key = key``, if any."""
        ...

    async def retrieve_subscription(self, subscription_id: str) -> StripeSubscription: ...

    async def cancel_subscription(self, subscription_id: str) -> StripeSubscription:
        """Cancel at once (no proration, no refund); cancelling a cancelled one is fine."""
        ...

    async def retrieve_invoice(self, invoice_id: str) -> StripeInvoice: ...

    async def list_events(
        self, *, created_gte: int, starting_after: str | None = None, limit: int = 100
    ) -> tuple[list[StripeEvent], bool]:
        """One page of events created at or after ``created_gte``, and whether more follow."""
        ...

    def parse_webhook(self, payload: bytes, signature: str | None) -> StripeEvent:
        """Verify the signature on the raw body (with a tolerance); InvalidSignature if not."""
        ...
