"""The answers of booking's routes: typed, with examples, built from domain objects."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from kairos_booking.domain.model import (
    Availability,
    Booking,
    Hold,
    Minutes,
    Offering,
    Person,
    Provider,
)
from kairos_booking.service_layer.descriptions import Described
from kairos_booking.service_layer.enrollments import EnrollmentView
from kairos_platform.api_types import Instant

_ID = "3f1c2a9e-7b7d-4c55-9a63-2f1e0c8d4b10"
_AT = "2030-01-03T10:00:00+00:00"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ProviderOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider_id": _ID, "user_id": _ID, "display_name": "Ada Mentor",
                    "email": "ada@example.org", "time_zone": "Europe/Madrid", "active": True,
                }
            ]
        }
    )  # fmt: skip

    provider_id: uuid.UUID
    user_id: uuid.UUID
    display_name: str
    email: str | None
    time_zone: str = Field(description="IANA zone the provider's hours are in.")
    active: bool

    @classmethod
    def of(cls, p: Provider) -> Self:
        return cls.model_validate(p)


class PatternEntryOut(BaseModel):
    weekday: int = Field(description="0 = Monday")
    time: str = Field(description="HH:MM in the provider's zone")


class OfferingOut(_Out):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "offering_id": _ID, "provider_id": _ID, "title": "Career mentoring",
                    "duration_min": 60, "price_minor": 4500, "currency": "EUR",
                    "capacity": 1, "price_in_credits": 3, "buffer_before_min": 0,
                    "buffer_after_min": 10, "min_notice_min": 60, "horizon_days": 60,
                    "refund_full_hours_before": 24, "active": True, "kind": "one_time",
                    "pattern": [], "version": 1, "meeting_url": None,
                    "reminder_minutes_before": [1440, 60],
                }
            ]
        }
    )  # fmt: skip

    offering_id: uuid.UUID
    provider_id: uuid.UUID
    title: str
    duration_min: int
    price_minor: int = Field(description="Per session, or per monthly cycle (recurring).")
    currency: str
    capacity: int
    price_in_credits: int | None
    buffer_before_min: int
    buffer_after_min: int
    min_notice_min: int
    horizon_days: int
    refund_full_hours_before: int
    active: bool
    kind: Literal["one_time", "recurring"]
    pattern: list[PatternEntryOut]
    version: int
    meeting_url: str | None = Field(
        default=None, description="The session's video room: shown to its provider only."
    )
    reminder_minutes_before: list[int] = Field(
        description=(
            "Minutes before each session a reminder mail goes out, earliest first"
            " ([] = no reminders; default 24 h and 1 h)."
        )
    )

    @classmethod
    def of(cls, o: Offering, *, owner: bool = False) -> Self:
        pattern = [PatternEntryOut(weekday=e.weekday, time=_hhmm(e.minute)) for e in o.pattern]
        return cls(
            offering_id=o.offering_id, provider_id=o.provider_id, title=o.title,
            duration_min=o.duration_min, price_minor=o.price_minor, currency=o.currency,
            capacity=o.capacity, price_in_credits=o.price_in_credits,
            buffer_before_min=o.buffer_before_min, buffer_after_min=o.buffer_after_min,
            min_notice_min=o.min_notice_min, horizon_days=o.horizon_days,
            refund_full_hours_before=o.refund_full_hours_before, active=o.active,
            kind=o.kind.value, pattern=pattern, version=o.version,
            meeting_url=o.meeting_url if owner else None,
            reminder_minutes_before=list(o.reminder_minutes_before),
        )  # fmt: skip


class RangeOut(BaseModel):
    start: str = Field(description="HH:MM")
    end: str = Field(description="HH:MM (24:00 for midnight)")

    @classmethod
    def of(cls, m: Minutes) -> Self:
        return cls(start=_hhmm(m.start), end=_hhmm(m.end))


class WeeklyRangeOut(RangeOut):
    weekday: int = Field(description="0 = Monday")


class OverrideOut(BaseModel):
    date: date
    kind: Literal["closed", "replace", "extra"]
    ranges: list[RangeOut]


class AvailabilityOut(BaseModel):
    weekly: list[WeeklyRangeOut]
    overrides: list[OverrideOut]

    @classmethod
    def of(cls, a: Availability) -> Self:
        weekly = [
            WeeklyRangeOut(weekday=day, **RangeOut.of(m).model_dump())
            for day in sorted(a.weekly)
            for m in a.weekly[day]
        ]
        overrides = [
            OverrideOut(date=d, kind=o.kind.value, ranges=[RangeOut.of(m) for m in o.ranges])
            for d, o in sorted(a.overrides.items())
        ]
        return cls(weekly=weekly, overrides=overrides)


class SlotOut(BaseModel):
    starts_at: Instant
    ends_at: Instant
    local_start: Instant = Field(description="The start in the provider's zone.")
    capacity: int
    free: int = Field(description="Seats left; 0 when full (a full slot is still listed).")


class SlotsOut(BaseModel):
    """Written by hand in ``views.slots_json`` (it is hot); this documents its shape."""

    offering_id: uuid.UUID
    time_zone: str
    slots: list[SlotOut]


class _Placed(_Out):
    """What a hold or a booking shows without another call: the offering's title, the
    provider's name and zone, and the start in that zone."""

    offering_id: uuid.UUID
    offering_title: str
    provider_id: uuid.UUID
    provider_name: str
    provider_time_zone: str
    starts_at: Instant
    ends_at: Instant
    local_start: Instant = Field(description="The start in the provider's zone.")


class HoldOut(_Placed):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "hold_id": _ID, "offering_id": _ID, "offering_title": "Career mentoring",
                    "provider_id": _ID, "provider_name": "Ada Mentor",
                    "provider_time_zone": "Europe/Madrid", "starts_at": _AT,
                    "ends_at": "2030-01-03T11:00:00+00:00",
                    "local_start": "2030-01-03T11:00:00+01:00",
                    "expires_at": "2030-01-01T08:10:00+00:00", "amount_minor": 4500,
                    "currency": "EUR", "price_in_credits": 3, "status": "held",
                }
            ]
        }
    )  # fmt: skip

    hold_id: uuid.UUID
    expires_at: Instant = Field(description="Pay before this, or the seat goes back.")
    amount_minor: int = Field(description="The price booking decided: checkout charges it.")
    currency: str
    price_in_credits: int | None
    status: Literal["held", "released", "expired", "converted", "rejected"]

    @classmethod
    def of(cls, h: Hold, d: Described) -> Self:
        return cls(
            hold_id=h.hold_id, **d.fields(h.starts_at), ends_at=h.ends_at,
            expires_at=h.expires_at, amount_minor=h.amount_minor, currency=h.currency,
            price_in_credits=h.price_in_credits, status=h.status.value,
        )  # fmt: skip


_BOOKING_EXAMPLE: dict[str, JsonValue] = {
    "booking_id": _ID, "offering_id": _ID, "offering_title": "Career mentoring",
    "provider_id": _ID, "provider_name": "Ada Mentor", "provider_time_zone": "Europe/Madrid",
    "mentee_id": _ID, "starts_at": _AT, "ends_at": "2030-01-03T11:00:00+00:00",
    "local_start": "2030-01-03T11:00:00+01:00", "payment_id": _ID, "payment_method": "card",
    "amount_minor": 4500, "currency": "EUR", "hold_id": _ID, "status": "confirmed",
    "sequence": 0, "refund_amount_minor": None, "refund": None,
}  # fmt: skip


class BookingOut(_Placed):
    model_config = ConfigDict(json_schema_extra={"examples": [_BOOKING_EXAMPLE]})

    booking_id: uuid.UUID
    mentee_id: uuid.UUID
    payment_id: uuid.UUID
    payment_method: Literal["card", "credits", "subscription"]
    amount_minor: int
    currency: str
    hold_id: uuid.UUID | None = None
    status: Literal["confirmed", "cancelled"]
    sequence: int = Field(description="Grows with each change (calendars use it).")
    cancelled_at: Instant | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    cancel_note: str | None = None
    refund_amount_minor: int | None = Field(
        default=None, description="What the cancellation gives back: exactly what moves."
    )
    refund: Literal["pending"] | None = Field(
        default=None,
        description="In a cancellation's answer: the refund is made by payments after it.",
    )
    enrollment_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    cycle_number: int | None = None
    cycle_starts_at: Instant | None = None
    cycle_ends_at: Instant | None = None
    local_date: date | None = None

    @classmethod
    def of(cls, b: Booking, d: Described, *, answering_cancel: bool = False) -> Self:
        refund: Literal["pending"] | None = None
        if answering_cancel and (b.refund_amount_minor or 0) > 0:
            refund = "pending"
        return cls(
            booking_id=b.booking_id, **d.fields(b.starts_at), ends_at=b.ends_at,
            mentee_id=b.mentee_id, payment_id=b.payment_id,
            payment_method=b.payment_method,
            amount_minor=b.amount_minor, currency=b.currency, hold_id=b.hold_id,
            status=b.status.value, sequence=b.sequence, cancelled_at=b.cancelled_at,
            cancelled_by=b.cancelled_by, cancel_reason=b.cancel_reason,
            cancel_note=b.cancel_note, refund_amount_minor=b.refund_amount_minor,
            refund=refund, enrollment_id=b.enrollment_id, subscription_id=b.subscription_id,
            cycle_number=b.cycle_number, cycle_starts_at=b.cycle_starts_at,
            cycle_ends_at=b.cycle_ends_at, local_date=b.local_date,
        )  # fmt: skip


class BookerOut(BaseModel):
    """Who booked: their user id, and the name and e-mail their token carried when booking
    last heard of them (null when it carried none)."""

    user_id: uuid.UUID
    display_name: str | None
    email: str | None


class BookingDetailOut(BookingOut):
    """One booking read by id: what ``BookingOut`` says, and who booked it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_BOOKING_EXAMPLE,
                    "booked_by": {
                        "user_id": _ID, "display_name": "Nia Mentee", "email": "nia@example.org"
                    },
                }
            ]
        }
    )  # fmt: skip

    booked_by: BookerOut

    @classmethod
    def of_read(cls, b: Booking, d: Described, who: Person) -> Self:
        out = BookingOut.of(b, d).model_dump()
        booker = BookerOut(user_id=who.user_id, display_name=who.display_name, email=who.email)
        return cls(**out, booked_by=booker)


class ScheduleOut(BaseModel):
    """A provider's bookings in a range of their local dates, a page at a time."""

    provider_id: uuid.UUID
    time_zone: str
    bookings: list[BookingOut]
    next_cursor: str | None
    has_more: bool


class CycleOut(BaseModel):
    number: int
    starts_at: Instant
    ends_at: Instant


class EnrolledOfferingOut(BaseModel):
    offering_id: uuid.UUID
    provider_id: uuid.UUID
    title: str
    price_minor: int
    currency: str
    pattern: list[PatternEntryOut]


class EnrollmentOut(BaseModel):
    enrollment_id: uuid.UUID
    subscription_id: uuid.UUID
    status: Literal["active", "unsubscribed"]
    unsubscribed_at: Instant | None
    offering: EnrolledOfferingOut
    current_cycle: CycleOut | None
    upcoming_sessions: list[BookingOut]

    @classmethod
    def of(cls, view: EnrollmentView, d: Described) -> Self:
        e, o = view.enrollment, view.offering
        cycle = None
        if e.cycle_number is not None and e.cycle_starts_at and e.cycle_ends_at:
            cycle = CycleOut(number=e.cycle_number, starts_at=e.cycle_starts_at,
                             ends_at=e.cycle_ends_at)  # fmt: skip
        offering = EnrolledOfferingOut(
            offering_id=o.offering_id, provider_id=o.provider_id, title=o.title,
            price_minor=o.price_minor, currency=o.currency,
            pattern=OfferingOut.of(o).pattern,
        )  # fmt: skip
        return cls(
            enrollment_id=e.enrollment_id, subscription_id=e.subscription_id,
            status=e.status.value, unsubscribed_at=e.unsubscribed_at, offering=offering,
            current_cycle=cycle, upcoming_sessions=[BookingOut.of(b, d) for b in view.upcoming],
        )  # fmt: skip
