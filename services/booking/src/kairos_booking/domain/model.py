"""The booking domain's values: plain dataclasses, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

#: Minutes before a session its reminders go out when the offering says nothing else: 24 h
#: and 1 h (also what a booking event without ``reminder_minutes_before`` means).
DEFAULT_REMINDERS: tuple[int, ...] = (24 * 60, 60)
#: At most this many reminders per session, each 5 minutes to 7 days before it.
MAX_REMINDERS = 5
REMINDER_MIN_MINUTES = 5
REMINDER_MAX_MINUTES = 7 * 24 * 60


def reminder_problem(minutes: Sequence[int]) -> str | None:
    """Why ``minutes`` cannot be an offering's reminders, or None (an empty list is valid:
    no reminders)."""
    if len(minutes) > MAX_REMINDERS:
        return f"at most {MAX_REMINDERS} reminders"
    for m in minutes:
        if isinstance(m, bool) or not isinstance(m, int):
            return "each reminder is a whole number of minutes"
        if not REMINDER_MIN_MINUTES <= m <= REMINDER_MAX_MINUTES:
            return (
                f"each reminder is {REMINDER_MIN_MINUTES} to {REMINDER_MAX_MINUTES} minutes"
                " (7 days) before the session"
            )
    if len(set(minutes)) != len(minutes):
        return "the same reminder time is given twice"
    return None


def reminders(minutes: Sequence[int]) -> tuple[int, ...]:
    """An offering's reminders as stored: checked (ValueError naming the problem), the
    earliest first (sorted descending)."""
    why = reminder_problem(minutes)
    if why:
        raise ValueError(why)
    return tuple(sorted(minutes, reverse=True))


@dataclass(frozen=True)
class Minutes:
    """A wall-clock range ``[start, end)`` in minutes since local midnight (end <= 1440)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24 * 60:
            raise ValueError("a range needs 00:00 <= start < end <= 24:00")


class OverrideKind(StrEnum):
    CLOSED = "closed"  # no hours at all that day
    REPLACE = "replace"  # these hours instead of the weekly ones
    EXTRA = "extra"  # these hours on top of the weekly ones


@dataclass(frozen=True)
class DateOverride:
    day: date
    kind: OverrideKind
    ranges: tuple[Minutes, ...] = ()


@dataclass(frozen=True)
class Availability:
    """A provider's hours in their own zone: weekday (0 = Monday) -> ranges, plus overrides."""

    weekly: dict[int, tuple[Minutes, ...]] = field(default_factory=dict)
    overrides: dict[date, DateOverride] = field(default_factory=dict)

    def ranges_on(self, day: date) -> tuple[Minutes, ...]:
        override = self.overrides.get(day)
        weekly = self.weekly.get(day.weekday(), ())
        if override is None:
            return weekly
        if override.kind is OverrideKind.CLOSED:
            return ()
        if override.kind is OverrideKind.REPLACE:
            return override.ranges
        return weekly + override.ranges


@dataclass
class Provider:
    provider_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    email: str | None
    time_zone: str
    active: bool = True


class OfferingKind(StrEnum):
    ONE_TIME = "one_time"  # a slot held and paid once
    RECURRING = "recurring"  # a programme: a weekly pattern, paid per monthly cycle


@dataclass(frozen=True, order=True)
class WeeklyTime:
    """One entry of a recurring pattern: a weekday (0 = Monday) and a wall-clock minute
    past local midnight, in the provider's zone."""

    weekday: int
    minute: int

    def __post_init__(self) -> None:
        if not (0 <= self.weekday <= 6 and 0 <= self.minute < 24 * 60):
            raise ValueError("a pattern entry needs weekday 0..6 and a time 00:00..23:59")


@dataclass
class Offering:
    offering_id: uuid.UUID
    provider_id: uuid.UUID
    title: str
    duration_min: int
    price_minor: int
    currency: str
    capacity: int
    price_in_credits: int | None = None
    buffer_before_min: int = 0
    buffer_after_min: int = 0
    min_notice_min: int = 0
    horizon_days: int = 60
    refund_full_hours_before: int = 24
    active: bool = True
    kind: OfferingKind = OfferingKind.ONE_TIME
    pattern: tuple[WeeklyTime, ...] = ()  # recurring only
    version: int = 0  # grows with each change (OfferingPublished.version)
    # Where the sessions take place (the provider's video room); given to the booked
    # mentee (booking events -> attendance's join answer), never in the public catalog.
    meeting_url: str | None = None
    # Minutes before each session its reminder mails go out, earliest first (``reminders``
    # checks and sorts them); () = no reminders. Booking events carry it to attendance.
    reminder_minutes_before: tuple[int, ...] = DEFAULT_REMINDERS

    @property
    def recurring(self) -> bool:
        return self.kind is OfferingKind.RECURRING

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_min)

    def block(self, starts_at: datetime) -> tuple[datetime, datetime]:
        """The time a session at ``starts_at`` keeps the provider busy, buffers included."""
        return (
            starts_at - timedelta(minutes=self.buffer_before_min),
            starts_at + self.duration + timedelta(minutes=self.buffer_after_min),
        )


@dataclass(frozen=True)
class Occurrence:
    """One slot of one offering: the unit seats are counted in."""

    offering_id: uuid.UUID
    provider_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    block_start: datetime
    block_end: datetime

    @classmethod
    def of(cls, offering: Offering, starts_at: datetime) -> Occurrence:
        block_start, block_end = offering.block(starts_at)
        return cls(
            offering.offering_id,
            offering.provider_id,
            starts_at,
            starts_at + offering.duration,
            block_start,
            block_end,
        )


class Occupied(NamedTuple):
    """Seats taken in one occurrence (confirmed bookings + holds not yet swept). A named
    tuple, as ``Slot``: the slot query reads one per occupied occurrence (720 for 30 busy
    days) and a frozen dataclass of six fields costs ~5x as much to make."""

    offering_id: uuid.UUID
    starts_at: datetime
    block_start: datetime
    block_end: datetime
    taken: int
    overdue_holds: int = 0  # holds past expires_at still counted in ``taken``

    @property
    def live(self) -> int:
        return self.taken - self.overdue_holds


class HoldStatus(StrEnum):
    HELD = "held"
    RELEASED = "released"
    EXPIRED = "expired"
    CONVERTED = "converted"  # became a booking
    REJECTED = "rejected"  # its payment was refused a booking (offering gone...)


@dataclass
class Hold:
    hold_id: uuid.UUID
    offering_id: uuid.UUID
    provider_id: uuid.UUID
    mentee_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    amount_minor: int
    currency: str
    price_in_credits: int | None
    expires_at: datetime
    status: HoldStatus = HoldStatus.HELD
    payment_id: uuid.UUID | None = None
    ended_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        return self.status is HoldStatus.HELD and now < self.expires_at


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@dataclass
class Booking:
    booking_id: uuid.UUID
    offering_id: uuid.UUID
    provider_id: uuid.UUID
    mentee_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    payment_id: uuid.UUID
    payment_method: str
    amount_minor: int
    currency: str
    hold_id: uuid.UUID | None = None
    status: BookingStatus = BookingStatus.CONFIRMED
    sequence: int = 0
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    cancel_note: str | None = None
    refund_amount_minor: int | None = None
    # subscription sessions only: whose enrollment, which subscription and cycle paid it,
    # and its date in the provider's zone (one session per offering, mentee and date)
    enrollment_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    cycle_number: int | None = None
    cycle_starts_at: datetime | None = None
    cycle_ends_at: datetime | None = None
    local_date: date | None = None

    def cancel(self, at: datetime, by: str, reason: str, refund: int) -> None:
        self.status = BookingStatus.CANCELLED
        self.sequence += 1
        self.cancelled_at, self.cancelled_by, self.cancel_reason = at, by, reason
        self.refund_amount_minor = refund

    def restore(self) -> None:
        """Confirmed again: the same row, its cancellation data cleared, a new sequence
        (calendars key events by booking id + sequence, so they create fresh ones)."""
        self.status = BookingStatus.CONFIRMED
        self.sequence += 1
        self.cancelled_at = self.cancelled_by = self.cancel_reason = self.cancel_note = None
        self.refund_amount_minor = None


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"


@dataclass
class Enrollment:
    """One mentee's place in one recurring offering; its id stays across cycles and
    subscriptions. ``unsubscribed_at`` is the unsubscribe the next reactivation undoes."""

    enrollment_id: uuid.UUID
    offering_id: uuid.UUID
    provider_id: uuid.UUID
    mentee_id: uuid.UUID
    subscription_id: uuid.UUID
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE
    unsubscribed_at: datetime | None = None
    unsubscribed_by: str | None = None  # the actor, for sessions of a cycle paid later
    cycle_number: int | None = None
    cycle_starts_at: datetime | None = None
    cycle_ends_at: datetime | None = None
    #: the reprobation in force (attendance's MenteeReprobated), until a reactivation
    reprobated_at: datetime | None = None


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    email: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class CycleRecord:
    """A paid cycle of one subscription, kept once (the same cycle paid again adds nothing)."""

    enrollment_id: uuid.UUID
    subscription_id: uuid.UUID
    number: int
    payment_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    occurrences: int


@dataclass(frozen=True)
class OccurrenceRejection:
    """An occurrence a paid cycle could not get, or a reactivation could not give back."""

    rejection_id: uuid.UUID
    payment_id: uuid.UUID
    enrollment_id: uuid.UUID
    local_date: date
    starts_at: datetime
    ends_at: datetime
    detail: str  # why, for people (the event says occurrence_unavailable)
    amount_minor: int
    booking_id: uuid.UUID | None = None
