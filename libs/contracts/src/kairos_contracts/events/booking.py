"""Events published by the booking service: holds, bookings and refused payments.

Booking owns providers, offerings, availability, holds, bookings and enrollments. Its
events carry everything a consumer needs (participants and their e-mails, times in UTC,
the provider's time zone, the cycle) so that payments, attendance and calendar-sync never
read booking's tables.

An *enrollment* is one mentee's place in one recurring offering under one subscription;
its id stays the same across billing cycles, and each paid cycle adds that cycle's
sessions to it. Attendance keys a mentee's standing (streak, reprobation) by it.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from kairos_contracts.envelope import Event
from kairos_contracts.registry import register
from kairos_contracts.topics import (
    BOOKING_BOOKINGS,
    BOOKING_HOLDS,
    BOOKING_OFFERINGS,
    BOOKING_REJECTIONS,
)
from kairos_contracts.types import (
    Actor,
    BillingCycle,
    Currency,
    Label,
    MeetingUrl,
    MinorUnits,
    PaymentMethod,
    Person,
    Provider,
    TimeZoneName,
    UtcDatetime,
)


class _Timed(Event):
    """Something that occupies ``[starts_at, ends_at)``; the end must follow the start."""

    starts_at: UtcDatetime
    ends_at: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


# --- holds -----------------------------------------------------------------------------


class _HoldEvent(_Timed):
    TOPIC = BOOKING_HOLDS
    KEY = "hold_id"

    hold_id: uuid.UUID
    offering_id: uuid.UUID
    provider_id: uuid.UUID
    mentee_id: uuid.UUID


@register
class HoldPlaced(_HoldEvent):
    """A seat is reserved for a few minutes while the mentee pays. Never a booking.

    Payments opens the PaymentIntent (or debits credits) for exactly ``amount_minor``
    ``currency`` (or ``price_in_credits``): the price booking decided, which the client
    cannot change. It cancels the payment when the hold ends first.
    """

    TYPE = "HoldPlaced"

    offering_title: Label
    amount_minor: MinorUnits
    currency: Currency
    price_in_credits: int | None = Field(default=None, ge=1)
    expires_at: UtcDatetime


class HoldReleaseReason(StrEnum):
    PAYMENT_CANCELLED = "payment_cancelled"
    PAYMENT_FAILED = "payment_failed"
    RELEASED_BY_MENTEE = "released_by_mentee"


@register
class HoldReleased(_HoldEvent):
    """The hold ended before it became a booking; the seat is bookable again at once."""

    TYPE = "HoldReleased"

    reason: HoldReleaseReason
    payment_id: uuid.UUID | None = None
    released_at: UtcDatetime


@register
class HoldExpired(_HoldEvent):
    """The hold ran out before a verified payment arrived; the seat is free again.

    Payments cancels the unpaid PaymentIntent. If the payment is verified later anyway,
    booking answers with BookingRejected(hold_expired) and payments voids it.
    """

    TYPE = "HoldExpired"

    expired_at: UtcDatetime


# --- bookings --------------------------------------------------------------------------


class _BookingEvent(_Timed):
    """What every booking event says about the booking, as it is after the change.

    ``sequence`` starts at 0 on confirmation and grows by one with each later change, so
    a consumer can drop a replayed or stale event and calendars can use it as the iCal
    SEQUENCE. ``payment_id`` is the payment that paid for the session (for a
    subscription session, that cycle's payment). ``reminder_minutes_before`` is the
    offering's setting when the event was made: how many minutes before the session a
    reminder mail goes out, earliest first; ``[]`` = no reminders; None (absent, as in
    events made before the setting existed) = the platform default, ``[1440, 60]``
    (24 hours and 1 hour before).
    """

    TOPIC = BOOKING_BOOKINGS
    KEY = "booking_id"

    booking_id: uuid.UUID
    sequence: int = Field(ge=0)
    offering_id: uuid.UUID
    offering_title: Label
    provider: Provider
    mentee: Person
    provider_time_zone: TimeZoneName
    payment_id: uuid.UUID
    payment_method: PaymentMethod
    meeting_url: MeetingUrl | None = None
    subscription_id: uuid.UUID | None = None
    enrollment_id: uuid.UUID | None = None
    cycle: BillingCycle | None = None
    reminder_minutes_before: list[int] | None = None


@register
class BookingConfirmed(_BookingEvent):
    """A verified payment took a seat: the booking exists.

    Payments captures ``amount_minor`` (card) or settles the credit debit; attendance
    starts tracking the session; calendar-sync creates the calendar events.
    """

    TYPE = "BookingConfirmed"

    hold_id: uuid.UUID | None = None
    amount_minor: MinorUnits
    currency: Currency


class CancellationReason(StrEnum):
    BY_MENTEE = "by_mentee"
    BY_MENTOR = "by_mentor"
    BY_ADMIN = "by_admin"
    UNSUBSCRIBED = "unsubscribed"
    REPROBATED = "reprobated"
    PROVIDER_INACTIVE = "provider_inactive"
    OFFERING_GONE = "offering_gone"


@register
class BookingCancelled(_BookingEvent):
    """The booking is cancelled (the row stays, so it can be restored).

    ``refund_amount_minor`` is what booking's cancellation policy grants (0 for
    unsubscribe and reprobation: billing continues); payments refunds exactly that.
    """

    TYPE = "BookingCancelled"

    cancelled_by: Actor
    reason: CancellationReason
    cancelled_at: UtcDatetime
    refund_amount_minor: MinorUnits
    currency: Currency


class RestoreCause(StrEnum):
    UNSUBSCRIBE_UNDONE = "unsubscribe_undone"
    REACTIVATION = "reactivation"


@register
class BookingRestored(_BookingEvent):
    """A cancelled booking is confirmed again (an update, never a new booking).

    Calendars must create *fresh* events for it: the old ones were cancelled.
    """

    TYPE = "BookingRestored"

    cause: RestoreCause
    restored_at: UtcDatetime
    previously_cancelled_at: UtcDatetime


@register
class BookingRescheduled(_BookingEvent):
    """The session moved; ``starts_at``/``ends_at`` are the new times."""

    TYPE = "BookingRescheduled"

    previous_starts_at: UtcDatetime
    previous_ends_at: UtcDatetime
    rescheduled_by: Actor
    rescheduled_at: UtcDatetime


# --- refused payments ------------------------------------------------------------------


class RejectionReason(StrEnum):
    SLOT_FULL = "slot_full"
    OFFERING_GONE = "offering_gone"
    PROVIDER_INACTIVE = "provider_inactive"
    HOLD_EXPIRED = "hold_expired"
    HOLD_RELEASED = "hold_released"  # the mentee gave the seat back: never booked
    HOLD_UNKNOWN = "hold_unknown"
    OCCURRENCE_UNAVAILABLE = "occurrence_unavailable"
    MENTEE_REPROBATED = "mentee_reprobated"


@register
class BookingRejected(Event):
    """A verified payment did not get a seat; no booking row exists.

    Payments gives back ``amount_minor`` (void if not captured, refund otherwise,
    credits back for credit payments). For a one-time payment that is the whole amount;
    for a subscription cycle, one rejection per unavailable occurrence (with its times)
    or one for the whole cycle. ``rejection_id`` is the idempotency key for the refund.
    """

    TYPE = "BookingRejected"
    TOPIC = BOOKING_REJECTIONS
    KEY = "payment_id"

    payment_id: uuid.UUID
    rejection_id: uuid.UUID
    payment_method: PaymentMethod
    hold_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    enrollment_id: uuid.UUID | None = None
    cycle: BillingCycle | None = None
    offering_id: uuid.UUID
    provider_id: uuid.UUID
    mentee: Person
    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None
    reason: RejectionReason
    amount_minor: MinorUnits
    currency: Currency
    rejected_at: UtcDatetime

    @model_validator(mode="after")
    def _occurrence_is_whole(self) -> Self:
        if (self.starts_at is None) != (self.ends_at is None):
            raise ValueError("starts_at and ends_at are given together or not at all")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


# --- offerings ------------------------------------------------------------------------


class OfferingKind(StrEnum):
    ONE_TIME = "one_time"
    RECURRING = "recurring"


@register
class OfferingPublished(Event):
    """The offering as it now is (sent on every create and change; the last one wins).

    Payments keeps a price list from it: a subscription to a recurring offering is billed
    ``amount_minor`` ``currency`` per ``interval``, the price booking decided, which the
    client cannot change. ``version`` grows with each change so a stale one is dropped.
    """

    TYPE = "OfferingPublished"
    TOPIC = BOOKING_OFFERINGS
    KEY = "offering_id"

    offering_id: uuid.UUID
    version: int = Field(ge=0)
    provider: Provider
    provider_time_zone: TimeZoneName
    title: Label
    kind: OfferingKind
    amount_minor: MinorUnits
    currency: Currency
    price_in_credits: int | None = Field(default=None, ge=1)
    #: recurring offerings are billed per month
    interval: str | None = Field(default=None, pattern="^month$")
    capacity: int = Field(ge=1)
    active: bool
    published_at: UtcDatetime
