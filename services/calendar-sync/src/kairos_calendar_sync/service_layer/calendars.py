"""What the service layer needs from a calendar, whatever its protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from kairos_calendar_sync.domain.bookings import Booking
from kairos_calendar_sync.domain.connections import Connection


class CalendarError(Exception):
    """A calendar call failed. The message is safe to show to the calendar's owner."""


class CalendarUnavailable(CalendarError):
    """The server could not be reached or answered 5xx: worth retrying."""


class CalendarRefused(CalendarError):
    """The server refused us (credentials, not a calendar, gone)."""


@dataclass(frozen=True)
class Stored:
    """Where we last wrote a booking in this calendar (may be stale: never trusted)."""

    href: str | None = None
    etag: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class Written:
    href: str | None
    etag: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class RemoteEvent:
    uid: str
    #: the CalDAV resource href, or the Google event id
    href: str
    sequence: int
    cancelled: bool


class CalendarClient(Protocol):
    async def check(self) -> None:
        """Raise CalendarRefused/CalendarUnavailable unless the calendar is usable."""

    async def write(self, booking: Booking, stored: Stored) -> Written:
        """Make the calendar show ``booking`` (confirmed or cancelled) under its UID, once."""

    async def events(self) -> list[RemoteEvent]:
        """Every event of ours the calendar holds (reconciliation)."""

    async def remove(self, href: str) -> None:
        """Delete one copy (a duplicate); gone already is fine."""

    def refreshed_secret(self) -> dict[str, Any] | None:
        """New credentials to store if the client refreshed them (OAuth), else None."""

    async def aclose(self) -> None: ...


class ClientFactory(Protocol):
    def __call__(self, connection: Connection, secret: dict[str, Any]) -> CalendarClient: ...
