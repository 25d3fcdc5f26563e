"""Request bodies and query types: every field validated before a handler runs (422)."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from kairos_booking.domain.model import (
    DEFAULT_REMINDERS,
    MAX_REMINDERS,
    REMINDER_MAX_MINUTES,
    REMINDER_MIN_MINUTES,
    Minutes,
    OfferingKind,
    OverrideKind,
    WeeklyTime,
    reminders,
)
from kairos_contracts.types import (
    AcceptedDate,
    AcceptedDatetime,
    Currency,
    Email,
    Label,
    MeetingUrl,
    TimeZoneName,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$")


def _strict_date(value: object) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("is not a real calendar date") from exc


def _minutes(value: object) -> int:
    if not isinstance(value, str) or not _TIME.match(value):
        raise ValueError("must be a time written HH:MM (00:00 to 24:00)")
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("may be omitted but not null")
    return value


def _without_null(schema: dict[str, Any]) -> None:
    branches = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
    schema.update(branches[0] if len(branches) == 1 else {"anyOf": branches})


#: a calendar date, exactly YYYY-MM-DD, in the accepted range
LocalDate = Annotated[AcceptedDate, BeforeValidator(_strict_date)]
#: a wall-clock time HH:MM, as minutes past midnight; documented as the string it is sent as
HHMM = Annotated[
    int,
    BeforeValidator(_minutes),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _TIME.pattern,
            "description": "a time written HH:MM, 00:00 to 24:00",
            "examples": ["09:00"],
        }
    ),
]
Duration = Annotated[int, Field(ge=15, le=180, description="minutes, 15 to 180")]
Note = Annotated[str, StringConstraints(max_length=500)]
T = TypeVar("T")
#: a PATCH field whose value cannot be empty: omitted means unchanged, null is refused
Omittable = Annotated[T | None, AfterValidator(_not_null), Field(json_schema_extra=_without_null)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProviderIn(_In):
    display_name: Label
    email: Email | None = None
    time_zone: TimeZoneName
    user_id: uuid.UUID | None = None  # admins only: create for another user


class ProviderPatch(_In):
    display_name: Omittable[Label] = None
    email: Email | None = None  # null clears it
    time_zone: Omittable[TimeZoneName] = None
    active: Omittable[bool] = None


class RangeIn(_In):
    start: HHMM
    end: HHMM

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def minutes(self) -> Minutes:
        return Minutes(self.start, self.end)


class WeeklyRangeIn(RangeIn):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")


def _no_overlap(ranges: list[Minutes]) -> None:
    ordered = sorted(ranges, key=lambda m: m.start)
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end:
            raise ValueError("ranges of one day must not overlap")


class WeeklyHoursIn(_In):
    weekly: list[WeeklyRangeIn] = Field(max_length=200)

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        for day in range(7):
            _no_overlap([r.minutes() for r in self.weekly if r.weekday == day])
        return self

    def by_day(self) -> dict[int, tuple[Minutes, ...]]:
        out: dict[int, tuple[Minutes, ...]] = {}
        for r in sorted(self.weekly, key=lambda r: (r.weekday, r.start)):
            out[r.weekday] = (*out.get(r.weekday, ()), r.minutes())
        return out


class OverrideIn(_In):
    kind: OverrideKind
    ranges: list[RangeIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if (self.kind is OverrideKind.CLOSED) == bool(self.ranges):
            raise ValueError("a closed day has no ranges; replace and extra need some")
        _no_overlap([r.minutes() for r in self.ranges])
        return self


class PatternEntryIn(_In):
    """One weekly session of a recurring offering, in the provider's zone."""

    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")
    time: HHMM

    @model_validator(mode="after")
    def _starts_within_the_day(self) -> Self:
        if self.time >= 24 * 60:
            raise ValueError("a session starts at 23:59 at the latest")
        return self


Pattern = Annotated[list[PatternEntryIn], Field(max_length=7)]


def _weekdays_once(pattern: list[PatternEntryIn] | None) -> None:
    days = [e.weekday for e in pattern or []]
    if len(days) != len(set(days)):
        raise ValueError("a pattern has at most one time per weekday (one session per date)")


def _reminders(value: list[int]) -> list[int]:
    return list(reminders(value))  # no duplicates; the earliest first


#: minutes before a session its reminder mails go out; [] = no reminders
Reminders = Annotated[
    list[Annotated[StrictInt, Field(ge=REMINDER_MIN_MINUTES, le=REMINDER_MAX_MINUTES)]],
    Field(
        max_length=MAX_REMINDERS,
        description=(
            "Minutes before each session a reminder mail goes out: at most"
            f" {MAX_REMINDERS} different whole numbers, {REMINDER_MIN_MINUTES} to"
            f" {REMINDER_MAX_MINUTES} (7 days); [] turns reminders off. Stored and answered"
            " earliest first."
        ),
        examples=[list(DEFAULT_REMINDERS)],
    ),
    AfterValidator(_reminders),
]


class _OfferingFields(_In):
    """The fields of a change; ``price_in_credits`` and ``meeting_url`` may be null (cleared)."""

    title: Omittable[Label] = None
    duration_min: Omittable[Duration] = None
    price_minor: Omittable[int] = Field(default=None, ge=0, le=100_000_000)
    currency: Omittable[Currency] = None
    price_in_credits: int | None = Field(default=None, ge=1, le=10_000)
    capacity: Omittable[int] = Field(default=None, ge=1, le=1000)
    buffer_before_min: Omittable[int] = Field(default=None, ge=0, le=240)
    buffer_after_min: Omittable[int] = Field(default=None, ge=0, le=240)
    min_notice_min: Omittable[int] = Field(default=None, ge=0, le=60 * 24 * 60)
    horizon_days: Omittable[int] = Field(default=None, ge=1, le=365)
    refund_full_hours_before: Omittable[int] = Field(default=None, ge=0, le=24 * 60)
    kind: Omittable[OfferingKind] = None
    pattern: Omittable[Pattern] = None
    meeting_url: MeetingUrl | None = None
    reminder_minutes_before: Omittable[Reminders] = None

    @model_validator(mode="after")
    def _pattern_shape(self) -> Self:
        _weekdays_once(self.pattern)
        return self

    def fields(self) -> dict[str, object]:
        """The given fields as the domain names them (the pattern as WeeklyTimes)."""
        out = self.model_dump(exclude_unset=True, exclude={"pattern", "reminder_minutes_before"})
        if "pattern" in self.model_fields_set:
            out["pattern"] = tuple(WeeklyTime(e.weekday, e.time) for e in self.pattern or [])
        if "reminder_minutes_before" in self.model_fields_set:
            out["reminder_minutes_before"] = tuple(self.reminder_minutes_before or ())
        return out


class OfferingIn(_OfferingFields):
    title: Label
    duration_min: Duration
    price_minor: int = Field(ge=0, le=100_000_000)
    currency: Currency
    capacity: int = Field(default=1, ge=1, le=1000)
    buffer_before_min: int = Field(default=0, ge=0, le=240)
    buffer_after_min: int = Field(default=0, ge=0, le=240)
    min_notice_min: int = Field(default=0, ge=0, le=60 * 24 * 60)
    horizon_days: int = Field(default=60, ge=1, le=365)
    refund_full_hours_before: int = Field(default=24, ge=0, le=24 * 60)
    kind: OfferingKind = OfferingKind.ONE_TIME
    reminder_minutes_before: Reminders = list(DEFAULT_REMINDERS)

    @model_validator(mode="after")
    def _kind_and_pattern_agree(self) -> Self:
        if self.kind is OfferingKind.RECURRING and not self.pattern:
            raise ValueError("a recurring offering needs a weekly pattern")
        if self.kind is OfferingKind.ONE_TIME and self.pattern:
            raise ValueError("only a recurring offering has a weekly pattern")
        return self

    def fields(self) -> dict[str, object]:
        # every field, defaults included (create), not only the ones sent
        out = self.model_dump(exclude={"pattern", "reminder_minutes_before"})
        out["pattern"] = tuple(WeeklyTime(e.weekday, e.time) for e in self.pattern or [])
        out["reminder_minutes_before"] = tuple(self.reminder_minutes_before)
        return out


class OfferingPatch(_OfferingFields):
    active: Omittable[bool] = None


class HoldIn(_In):
    offering_id: uuid.UUID
    starts_at: AcceptedDatetime  # with its offset: a naive time is refused


class CancelIn(_In):
    reason: Note | None = None


class RescheduleIn(_In):
    starts_at: AcceptedDatetime  # with its offset: a naive time is refused
