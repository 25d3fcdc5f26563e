"""The booking as calendar-sync sees it: a projection of booking's events, nothing more."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

UID_DOMAIN = "kairos"


class Status(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Participant:
    user_id: uuid.UUID
    email: str | None
    name: str | None


@dataclass(frozen=True)
class Booking:
    booking_id: uuid.UUID
    #: booking's own sequence; it grows with each change and is our iCal SEQUENCE too
    sequence: int
    status: Status
    title: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    provider: Participant
    mentee: Participant
    meeting_url: str | None
    #: the offering's reminders, minutes before the start (None: the platform's default)
    reminder_minutes: tuple[int, ...] | None = None

    @property
    def uid(self) -> str:
        return ical_uid(self.booking_id)

    @property
    def participants(self) -> tuple[Participant, Participant]:
        return (self.provider, self.mentee)

    @property
    def live(self) -> bool:
        return self.status is Status.CONFIRMED


def ical_uid(booking_id: uuid.UUID) -> str:
    """One UID per booking, forever: every calendar and every re-sync uses this one."""
    return f"{booking_id}@{UID_DOMAIN}"


def is_newer(incoming: int, stored: int | None) -> bool:
    """Events of a booking may come twice or out of order: only a higher sequence counts."""
    return stored is None or incoming > stored
