"""A person's statement: every payment they made, what was taken and what came back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class LineKind(StrEnum):
    CHECKOUT = "checkout"  # a one-time session paid by card or credits
    CYCLE = "cycle"  # a subscription cycle's invoice
    CREDIT_PACK = "credit_pack"  # credits bought by card


@dataclass(frozen=True)
class StatementLine:
    """``charged_minor`` is money taken from the card (an authorization not captured, a
    void or a credit payment take none); ``refunded_minor`` is money given back to it;
    ``credits_returned`` counts credits given back for a credit payment."""

    payment_id: uuid.UUID
    kind: LineKind
    method: str
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
    decline_code: str | None
    decline_message: str | None
    #: the PaymentIntent of a checkout or credit pack (a cycle's is its invoice's)
    payment_intent_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class RefundLine:
    """Money (or, for a credit payment, credits) given back for a booking."""

    refund_id: uuid.UUID
    amount_minor: int
    reason: str
    status: str  # pending | succeeded
    credits_returned: int | None
    created_at: datetime


@dataclass(frozen=True)
class BookingPayment:
    """A payment that paid a booking (its checkout, or the subscription cycle that paid a
    programme session), who paid it, and the refunds made for the booking."""

    line: StatementLine
    payer_id: uuid.UUID
    refunds: tuple[RefundLine, ...]
