"""Events published by calendar-sync: the outcome of pushing a booking to a calendar, and
a person's mail preferences.

One booking reaches several targets (each participant's CalDAV or Google calendar, the
ICS feed, the e-mail invitation). Each outcome names the booking ``sequence`` it
applied, so a dashboard or the reconciliation job can tell a stale calendar from a
current one.

People choose the time zone and locale of their mail at calendar-sync (or their token says
them there); ``MailPreferencesChanged`` tells the other services that send mail.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from kairos_contracts.envelope import Event
from kairos_contracts.registry import register
from kairos_contracts.topics import CALENDAR_PEOPLE, CALENDAR_SYNC
from kairos_contracts.types import TimeZoneName, UtcDatetime

#: The stable iCal UID of a booking's calendar event (RFC 5545 UID).
ICalUid = Annotated[str, StringConstraints(min_length=1, max_length=255)]

#: A locale identifier, BCP 47 or POSIX-ish ("en", "es_ES", "de-DE").
LocaleTag = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$", max_length=35),
]


class CalendarTarget(StrEnum):
    CALDAV = "caldav"
    GOOGLE = "google"
    ICS_FEED = "ics_feed"
    EMAIL = "email"


class CalendarAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    CANCELLED = "cancelled"


class _SyncEvent(Event):
    TOPIC = CALENDAR_SYNC
    KEY = "booking_id"

    booking_id: uuid.UUID
    booking_sequence: int = Field(ge=0)
    user_id: uuid.UUID
    target: CalendarTarget
    action: CalendarAction
    ical_uid: ICalUid
    ical_sequence: int = Field(ge=0)


@register
class CalendarEventSynced(_SyncEvent):
    """The target now shows the booking as of ``booking_sequence``."""

    TYPE = "CalendarEventSynced"

    external_event_id: str | None = Field(default=None, max_length=1024)
    synced_at: UtcDatetime


@register
class CalendarSyncFailed(_SyncEvent):
    """Pushing to the target failed; ``retryable`` says whether it will be tried again
    (otherwise the reconciliation job or the user must act, e.g. reconnect)."""

    TYPE = "CalendarSyncFailed"

    error: str = Field(min_length=1, max_length=1000)
    retryable: bool
    attempt: int = Field(ge=1)
    failed_at: UtcDatetime


@register
class MailPreferencesChanged(Event):
    """A person's time zone or locale for mail changed: chosen through calendar-sync's
    ``PUT /me/mail-preferences``, or learned from their token's ``zoneinfo``/``locale``
    claims until they choose. Both values are the person's whole preference as of
    ``changed_at`` (absent: none, so a mail uses its own fallback, the provider's zone and
    English). Consumers keep the one with the latest ``changed_at``."""

    TYPE = "MailPreferencesChanged"
    TOPIC = CALENDAR_PEOPLE
    KEY = "user_id"

    user_id: uuid.UUID
    time_zone: TimeZoneName | None = None
    locale: LocaleTag | None = None
    changed_at: UtcDatetime
