"""The booking domain's values: plain dataclasses, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


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


@dataclass(frozen=True)
class Occupied:
    """Seats taken in one occurrence (confirmed bookings + holds not yet swept)."""

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


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    email: str | None = None
    display_name: str | None = None
