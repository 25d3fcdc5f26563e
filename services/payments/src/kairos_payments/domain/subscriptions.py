"""Subscriptions to recurring offerings: what a paid invoice means, and a row's states.

One row per (offering, mentee) for good (a cancelled one is reactivated, never
subscribed to again); it may be backed by several Stripe subscriptions over its life,
because a cancelled Stripe subscription cannot be resumed: each reactivation opens a new
one for the same customer and plan (a *round*). Cycles are counted per row, across rounds.
"""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SubscriptionStatus(StrEnum):
    CREATING = "creating"  # row reserved; customer, plan and Stripe subscription being made
    ACTIVE = "active"  # billed by its current Stripe subscription
    CANCELLING = "cancelling"  # unsubscribe recorded, Stripe cancel pending
    CANCELLED = "cancelled"  # unsubscribed: SubscriptionCancelled sent
    REACTIVATING = "reactivating"  # reactivation recorded, new Stripe subscription pending
    FAILED = "failed"  # the first payment was refused or Stripe was away: not live


#: Statuses in which an invoice paid by one of the row's Stripe subscriptions is a cycle.
BILLABLE = (SubscriptionStatus.CREATING, SubscriptionStatus.ACTIVE, SubscriptionStatus.REACTIVATING)

#: Stripe subscription statuses that still bill (localstripe leaves a subscription that
#: starts with a trial, or whose first invoice failed, as 'incomplete').
LIVE_STRIPE = ("active", "trialing", "past_due", "incomplete")


class InvoiceOutcome(StrEnum):
    NOT_YET = "not_yet"  # not paid (draft, open, void, uncollectible)
    CYCLE_PAID = "cycle_paid"  # paid by a live subscription of a billable row: a cycle
    NOT_BILLABLE = "not_billable"  # paid, but the row or the Stripe subscription ended


def invoice_outcome(
    invoice_status: str, stripe_subscription_status: str, row: SubscriptionStatus
) -> InvoiceOutcome:
    """Decided on the invoice's and the subscription's statuses as re-fetched from Stripe
    (never on the event's name), and on our own row."""
    if invoice_status != "paid":
        return InvoiceOutcome.NOT_YET
    if stripe_subscription_status not in LIVE_STRIPE or row not in BILLABLE:
        return InvoiceOutcome.NOT_BILLABLE
    return InvoiceOutcome.CYCLE_PAID


def first_payment_refused(stripe_subscription_status: str, invoice_status: str | None) -> bool:
    """A new Stripe subscription whose first invoice exists and was not paid: the card
    was refused (a subscription that starts with a trial has no invoice yet)."""
    return (
        invoice_status is not None
        and invoice_status != "paid"
        and stripe_subscription_status in ("incomplete", "incomplete_expired")
    )


def add_months(at: datetime, months: int) -> datetime:
    """``at`` moved by whole calendar months, the day clamped to the month's end (as
    Stripe moves a monthly billing anchor)."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Period:
    starts_at: datetime
    ends_at: datetime


def cycle_period(billed: Period, previous_end: datetime | None) -> Period:
    """The period a paid invoice pays for: the subscription line's period, except that a
    cycle never overlaps an earlier one of the same row. Stripe advances a subscription's
    period each renewal, so this only bites where a period repeats (localstripe never
    advances it): the cycle is then the month after the last one billed."""
    if previous_end is None or billed.starts_at >= previous_end:
        return billed
    return Period(previous_end, add_months(previous_end, 1))


@dataclass(frozen=True)
class Offering:
    """Booking's offering as payments knows it (from OfferingPublished): the price list."""

    offering_id: uuid.UUID
    version: int
    kind: str  # one_time | recurring
    title: str
    amount_minor: int
    currency: str
    price_in_credits: int | None
    interval: str | None
    active: bool

    @property
    def recurring(self) -> bool:
        return self.kind == "recurring"

    def plan_id(self) -> str:
        """One Stripe plan per (offering, price): a new price gets a new plan, existing
        subscriptions keep theirs. Made from the price so creating it twice finds it."""
        return (
            f"plan_kairos_{self.offering_id.hex}_{self.amount_minor}_"
            f"{self.currency.lower()}_{self.interval or 'month'}"
        )


def credits_for_unavailable_occurrence(offering: Offering | None) -> int:
    """Credits for an occurrence of a paid cycle that could not be booked: what one
    session costs in credits when the offering has a credit price, else one credit."""
    if offering is not None and offering.price_in_credits:
        return offering.price_in_credits
    return 1


@dataclass(frozen=True)
class Subscription:
    subscription_id: uuid.UUID
    offering_id: uuid.UUID
    mentee_id: uuid.UUID
    status: SubscriptionStatus
    amount_minor: int
    currency: str
    stripe_plan_id: str
    round: int = 0  # how many Stripe subscriptions this row opened before the current one
    stripe_customer_id: str | None = None
    stripe_subscription_id: str | None = None
    payment_method: str | None = None
    unsubscribed_at: datetime | None = None
    cancelled_by: str | None = None
    reactivated_by: str | None = None
    current_period_start: datetime | None = None
    current_period_end: datetime | None = None
    # The subscriber's contact from their token at subscribe time: passed on with each
    # cycle's PaymentVerified so booking and attendance can write to them.
    mentee_email: str | None = None
    mentee_name: str | None = None

    def stripe_key(self) -> str:
        """Tags the Stripe subscription of this round (metadata), so a retry after a crash
        finds it instead of opening a second one (localstripe ignores Idempotency-Key)."""
        return f"kairos-sub-{self.subscription_id}-{self.round}"

    def stripe_metadata(self) -> dict[str, str]:
        return {
            "kairos_key": self.stripe_key(),
            "subscription_id": str(self.subscription_id),
            "offering_id": str(self.offering_id),
            "mentee_id": str(self.mentee_id),
        }


@dataclass(frozen=True)
class Listed:
    """A subscription as its mentee's list shows it: with its offering's title (None
    while the offering is not known here) and when it was made (the list's order)."""

    subscription: Subscription
    offering_title: str | None
    created_at: datetime


@dataclass(frozen=True)
class Cycle:
    """One paid invoice of a subscription row: a unique row per invoice."""

    stripe_invoice_id: str
    subscription_id: uuid.UUID
    payment_id: uuid.UUID
    number: int
    starts_at: datetime
    ends_at: datetime
    amount_minor: int
    currency: str
    stripe_subscription_id: str
