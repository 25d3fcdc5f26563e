"""Events published by the payments service: payments, credits and subscriptions.

A *payment* is one attempt to pay for a hold (card PaymentIntent with manual capture,
or a credit debit) or one paid subscription cycle (an invoice). PaymentVerified is the
only trigger for creating bookings, so it carries everything booking needs to decide,
without asking payments anything.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from kairos_contracts.envelope import Event
from kairos_contracts.registry import register
from kairos_contracts.topics import PAYMENTS_CREDITS, PAYMENTS_PAYMENTS, PAYMENTS_SUBSCRIPTIONS
from kairos_contracts.types import (
    Actor,
    BillingCycle,
    Currency,
    Label,
    MinorUnits,
    PaymentMethod,
    Person,
    StripeId,
    UtcDatetime,
)

# --- payments --------------------------------------------------------------------------


def _check_payer(payer: Person | None, user_id: uuid.UUID) -> None:
    if payer is not None and payer.user_id != user_id:
        raise ValueError("payer.user_id must be the paying user's id")


class _PaymentEvent(Event):
    TOPIC = PAYMENTS_PAYMENTS
    KEY = "payment_id"

    payment_id: uuid.UUID
    method: PaymentMethod
    mentee_id: uuid.UUID


@register
class PaymentVerified(_PaymentEvent):
    """Money is secured: a card authorised (not yet captured), credits debited, or a
    subscription cycle's invoice paid. Booking now confirms or rejects.

    One-time payments (card, credits) name the ``hold_id`` they pay for. Subscription
    payments name the ``subscription_id`` and the ``cycle`` paid for (its number and
    period); booking creates that cycle's sessions (one per occurrence, unique per
    offering, mentee and date).

    For receipts: ``mentee`` is the payer and whom to write to, ``description`` what was
    bought (the offering's title), and for a subscription ``cycle`` the period paid for.
    """

    TYPE = "PaymentVerified"

    offering_id: uuid.UUID
    amount_minor: MinorUnits
    currency: Currency
    hold_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    cycle: BillingCycle | None = None
    credits_spent: int | None = Field(default=None, ge=1)
    stripe_payment_intent_id: StripeId | None = None
    stripe_invoice_id: StripeId | None = None
    verified_at: UtcDatetime
    # The payer's contact as their token gave it to payments (same user as mentee_id), so
    # booking knows whom to write to even when the mentee never called booking itself
    # (a subscription is made at payments). Absent when payments did not learn it.
    mentee: Person | None = None
    # The offering's title as payments knows it (OfferingPublished); absent while unknown.
    description: Label | None = None

    @model_validator(mode="after")
    def _shape_matches_method(self) -> Self:
        if self.method is PaymentMethod.SUBSCRIPTION:
            if self.subscription_id is None or self.cycle is None:
                raise ValueError("a subscription payment needs subscription_id and cycle")
        else:
            if self.hold_id is None:
                raise ValueError(f"a {self.method} payment needs the hold_id it pays for")
            if self.subscription_id is not None or self.cycle is not None:
                raise ValueError(f"a {self.method} payment has no subscription or cycle")
        if (self.method is PaymentMethod.CREDITS) != (self.credits_spent is not None):
            raise ValueError("credits_spent is set exactly for credit payments")
        if self.mentee is not None and self.mentee.user_id != self.mentee_id:
            raise ValueError("mentee.user_id must be mentee_id")
        return self


class PaymentCancelReason(StrEnum):
    ABANDONED = "abandoned"
    CANCELLED_BY_MENTEE = "cancelled_by_mentee"
    HOLD_EXPIRED = "hold_expired"
    HOLD_RELEASED = "hold_released"


@register
class PaymentCancelled(_PaymentEvent):
    """The payment ended before it was verified; nothing was charged.

    Booking releases ``hold_id`` at once so the seat is bookable again.
    """

    TYPE = "PaymentCancelled"

    hold_id: uuid.UUID | None = None
    reason: PaymentCancelReason
    cancelled_at: UtcDatetime


@register
class PaymentFailed(_PaymentEvent):
    """A card was refused (one per refused attempt). The payment stays open: for a hold,
    the payer may pay with another card until the hold expires (booking keeps the hold;
    the expiry cancels the payment); for a subscription invoice, Stripe retries."""

    TYPE = "PaymentFailed"

    hold_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    failure_code: str | None = Field(default=None, max_length=100)
    failure_message: str | None = Field(default=None, max_length=1000)
    failed_at: UtcDatetime


@register
class PaymentCaptured(_PaymentEvent):
    """The authorised amount was taken after BookingConfirmed.

    For receipts: ``payer`` is who paid (the same user as ``mentee_id``) with the contact
    payments holds for them, ``description`` what was bought (the offering's title).
    """

    TYPE = "PaymentCaptured"

    booking_id: uuid.UUID | None = None
    amount_minor: MinorUnits
    currency: Currency
    stripe_payment_intent_id: StripeId | None = None
    captured_at: UtcDatetime
    # Absent when payments holds no contact for the payer / does not know the offering.
    payer: Person | None = None
    description: Label | None = None

    @model_validator(mode="after")
    def _payer_is_mentee(self) -> Self:
        _check_payer(self.payer, self.mentee_id)
        return self


class VoidReason(StrEnum):
    BOOKING_REJECTED = "booking_rejected"
    HOLD_EXPIRED = "hold_expired"
    HOLD_RELEASED = "hold_released"


@register
class PaymentVoided(_PaymentEvent):
    """An authorisation (or credit debit) was released without charging anything."""

    TYPE = "PaymentVoided"

    hold_id: uuid.UUID | None = None
    amount_minor: MinorUnits
    currency: Currency
    reason: VoidReason
    voided_at: UtcDatetime


class RefundReason(StrEnum):
    BOOKING_REJECTED = "booking_rejected"
    BOOKING_CANCELLED = "booking_cancelled"


@register
class PaymentRefunded(_PaymentEvent):
    """Money (or credits) went back after a capture. ``refund_id`` is unique per refund;
    one payment can have several (e.g. two occurrences of one cycle).

    For receipts: ``payer`` is who paid and is paid back (the same user as ``mentee_id``)
    with the contact payments holds for them, ``description`` what the refunded payment
    bought (the offering's title).
    """

    TYPE = "PaymentRefunded"

    refund_id: uuid.UUID
    booking_id: uuid.UUID | None = None
    amount_minor: MinorUnits
    currency: Currency
    credits_returned: int | None = Field(default=None, ge=1)
    reason: RefundReason
    stripe_refund_id: StripeId | None = None
    refunded_at: UtcDatetime
    # Absent when payments holds no contact for the payer / does not know the offering.
    payer: Person | None = None
    description: Label | None = None

    @model_validator(mode="after")
    def _payer_is_mentee(self) -> Self:
        _check_payer(self.payer, self.mentee_id)
        return self


# --- credits ---------------------------------------------------------------------------


@register
class CreditsPurchased(Event):
    """A credit pack was paid for and credited to the user's ledger.

    For receipts: ``payer`` is who paid (the same user as ``user_id``) with the contact
    payments holds for them, ``description`` what was bought ("10 credits").
    """

    TYPE = "CreditsPurchased"
    TOPIC = PAYMENTS_CREDITS
    KEY = "user_id"

    user_id: uuid.UUID
    purchase_id: uuid.UUID
    credits: int = Field(ge=1)
    balance_after: int = Field(ge=0)
    amount_minor: MinorUnits
    currency: Currency
    stripe_payment_intent_id: StripeId | None = None
    purchased_at: UtcDatetime
    # Absent when payments holds no contact for the payer.
    payer: Person | None = None
    description: Label | None = None

    @model_validator(mode="after")
    def _payer_is_user(self) -> Self:
        _check_payer(self.payer, self.user_id)
        return self


# --- subscriptions ---------------------------------------------------------------------


class _SubscriptionEvent(Event):
    TOPIC = PAYMENTS_SUBSCRIPTIONS
    KEY = "subscription_id"

    subscription_id: uuid.UUID
    mentee_id: uuid.UUID
    offering_id: uuid.UUID
    stripe_subscription_id: StripeId | None = None


@register
class SubscriptionCancelled(_SubscriptionEvent):
    """The mentee unsubscribed at ``unsubscribed_at``. Booking cancels every future
    session of the subscription with reason ``unsubscribed`` and that time."""

    TYPE = "SubscriptionCancelled"

    unsubscribed_at: UtcDatetime
    cancelled_by: Actor


@register
class SubscriptionReactivated(_SubscriptionEvent):
    """The unsubscribe at ``undoes_unsubscribed_at`` is undone (admin and mentee use the
    same path). Booking restores, in one transaction, exactly the sessions cancelled as
    ``unsubscribed`` at or after that time and dated today or later in the provider's
    zone; other cancellations stay."""

    TYPE = "SubscriptionReactivated"

    undoes_unsubscribed_at: UtcDatetime
    reactivated_at: UtcDatetime
    reactivated_by: Actor
