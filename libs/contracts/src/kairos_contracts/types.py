"""Field types shared by the event models, and the dates an API request may carry.

They live in one place so that "money", "an instant" or "a time zone" mean the same
thing in every event, and so the JSON Schemas say so precisely:

* money is an integer amount in the currency's minor unit (cents) plus an ISO 4217
  code; never a float or Decimal, so no rounding happens on the wire;
* instants are timezone-aware and normalised to UTC (naive datetimes are rejected:
  "today" is computed in the provider's zone, which needs a real instant);
* time zones are IANA names that this interpreter can load;
* a date or instant in a request (``AcceptedDate``, ``AcceptedDatetime``) lies in one
  accepted range, declared here once for every service.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)


def _as_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # "9999-12-31T23:00:00-05:00": past year 9999 in UTC
        raise ValueError("is out of range once converted to UTC") from exc


#: The dates an API request may carry, every service alike: a date in this range, or an
#: instant whose UTC date is. Far enough either side of today for any booking, and so far
#: inside what ``datetime`` holds (years 1 to 9999) that the date arithmetic done on them
#: (a slot window, a horizon, a day either side, a zone's offset) cannot overflow.
FIRST_ACCEPTED_DATE = date(2000, 1, 1)
LAST_ACCEPTED_DATE = date(2100, 12, 31)
ACCEPTED_DATES = f"{FIRST_ACCEPTED_DATE.isoformat()} to {LAST_ACCEPTED_DATE.isoformat()}"
_FIRST_INSTANT = datetime.combine(FIRST_ACCEPTED_DATE, time(), UTC)
_END_INSTANT = datetime.combine(LAST_ACCEPTED_DATE + timedelta(days=1), time(), UTC)


def _accepted_date(value: date) -> date:
    if not FIRST_ACCEPTED_DATE <= value <= LAST_ACCEPTED_DATE:
        raise ValueError(f"must be a date from {ACCEPTED_DATES}")
    return value


def _accepted_instant(value: datetime) -> datetime:
    # compared as instants, whatever the offset: no datetime is built, nothing overflows
    if not _FIRST_INSTANT <= value < _END_INSTANT:
        raise ValueError(f"must be an instant from {ACCEPTED_DATES} (UTC)")
    return value


def _loadable_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return value


#: An instant, timezone-aware, normalised to UTC.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]

#: A date a request may carry: in the accepted range.
AcceptedDate = Annotated[
    date,
    AfterValidator(_accepted_date),
    Field(
        description=f"a date from {ACCEPTED_DATES}",
        json_schema_extra={
            "formatMinimum": FIRST_ACCEPTED_DATE.isoformat(),
            "formatMaximum": LAST_ACCEPTED_DATE.isoformat(),
        },
    ),
]

#: An instant a request may carry: a ``UtcDatetime`` in the accepted range.
AcceptedDatetime = Annotated[
    AwareDatetime,
    AfterValidator(_accepted_instant),
    AfterValidator(_as_utc),
    Field(
        description=f"an instant with its UTC offset, from {ACCEPTED_DATES} (UTC)",
        json_schema_extra={
            "formatMinimum": _FIRST_INSTANT.isoformat().replace("+00:00", "Z"),
            "formatExclusiveMaximum": _END_INSTANT.isoformat().replace("+00:00", "Z"),
        },
    ),
]

#: ISO 4217 currency code, upper case ("EUR").
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]

#: An amount in the currency's minor unit (EUR 12.50 -> 1250). Never negative: the
#: direction (charge, refund) is given by the event type.
MinorUnits = Annotated[int, Field(ge=0)]

#: IANA time zone name ("Europe/Madrid").
TimeZoneName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$", max_length=64),
    AfterValidator(_loadable_zone),
]

#: An e-mail address, checked loosely (delivery is the real check).
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)]

#: A Stripe object id ("pi_...", "in_...", "sub_...", "re_...").
StripeId = Annotated[str, StringConstraints(pattern=r"^[a-z]+_[A-Za-z0-9_]+$", max_length=255)]

#: A short human label (an offering title, a display name).
Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]

#: A join link for the session.
MeetingUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2048)]


class PaymentMethod(StrEnum):
    """How a payment is made; it decides what capture, void and refund mean."""

    CARD = "card"
    CREDITS = "credits"
    SUBSCRIPTION = "subscription"


class Actor(StrEnum):
    """Who caused a change: a person in a role, or the platform itself."""

    MENTEE = "mentee"
    MENTOR = "mentor"
    ADMIN = "admin"
    SYSTEM = "system"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(_Value):
    """A user as the consumers need them: id for ownership, contact for e-mails."""

    user_id: uuid.UUID
    email: Email | None = None
    display_name: Label | None = None


class Provider(_Value):
    """The provider (mentor, therapist...) of a session and the user who acts for them."""

    provider_id: uuid.UUID
    user_id: uuid.UUID
    email: Email | None = None
    display_name: Label | None = None


class BillingCycle(_Value):
    """One paid period of a subscription, ``[starts_at, ends_at)`` in UTC."""

    number: int = Field(ge=1)
    starts_at: UtcDatetime
    ends_at: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("cycle ends_at must be after starts_at")
        return self
