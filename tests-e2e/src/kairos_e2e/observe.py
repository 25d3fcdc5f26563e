"""Looking where an operator would: the stack's CalDAV server (Radicale) and its mail sink
(a Maildir). Nothing here talks to a Kairos service; it reads what they wrote elsewhere.

``icalendar`` comes with the workspace (calendar-sync depends on it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

import httpx
import icalendar

from kairos_localstack.smtp_sink import read_messages


@dataclass(frozen=True)
class Event:
    """One VEVENT, with the fields the tests look at."""

    uid: str
    sequence: int
    status: str
    start: datetime
    end: datetime
    organizer: str
    attendees: tuple[str, ...]


def _address(value: Any) -> str:
    return str(value).removeprefix("mailto:").removeprefix("MAILTO:").lower()


def parse_events(ics: bytes | str) -> list[Event]:
    """Every VEVENT of one or more concatenated VCALENDAR documents."""
    out = []
    for cal in icalendar.Calendar.from_ical(ics, multiple=True):
        for ev in cal.walk("VEVENT"):
            attendees = ev.get("ATTENDEE", [])
            if not isinstance(attendees, list):
                attendees = [attendees]
            out.append(
                Event(
                    uid=str(ev["UID"]),
                    sequence=int(ev.get("SEQUENCE", 0)),
                    status=str(ev.get("STATUS", "")).upper(),
                    start=ev.decoded("DTSTART"),
                    end=ev.decoded("DTEND"),
                    organizer=_address(ev.get("ORGANIZER", "")),
                    attendees=tuple(_address(a) for a in attendees),
                )
            )
    return out


def ical_method(ics: bytes | str) -> str:
    return str(icalendar.Calendar.from_ical(ics).get("METHOD", ""))


def uid_of(booking_id: str | uuid.UUID) -> str:
    """calendar-sync's UID for a booking (its README: ``<booking_id>@kairos``, forever)."""
    return f"{booking_id}@kairos"


class CalDavCalendar:
    """A calendar collection of one Radicale user (auth ``none``: any password works)."""

    def __init__(self, caldav_url: str, user: str, name: str = "kairos") -> None:
        self.user, self.password = user, "any-password"
        self.url = f"{caldav_url.rstrip('/')}/{user}/{name}/"

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(auth=(self.user, self.password), timeout=10)

    async def create(self) -> None:
        async with self._client() as dav:
            made = await dav.request("MKCALENDAR", self.url)
        assert made.status_code == 201, (made.status_code, made.text)

    async def events(self) -> list[Event]:
        """Every event in the collection (Radicale serves a collection's GET as one
        VCALENDAR holding all its resources)."""
        async with self._client() as dav:
            got = await dav.get(self.url)
        assert got.status_code == 200, (got.status_code, got.text)
        return parse_events(got.content)


@dataclass(frozen=True)
class Invitation:
    """A mail with an .ics part, as the sink stored it."""

    to: tuple[str, ...]
    subject: str
    method: str  # the iTIP METHOD of the attached calendar (REQUEST / CANCEL)
    content_method: str  # the text/calendar part's ``method`` parameter
    events: tuple[Event, ...]


def _invitation(msg: EmailMessage) -> Invitation | None:
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            raw = part.get_payload(decode=True)
            assert isinstance(raw, bytes)
            return Invitation(
                to=tuple(a.lower() for _, a in getaddresses(msg.get_all("To", []))),
                subject=str(msg["Subject"]),
                method=ical_method(raw),
                content_method=str(part.get_param("method") or ""),
                events=tuple(parse_events(raw)),
            )
    return None


def mails_to(maildir: str, address: str) -> list[EmailMessage]:
    """Every mail the sink holds for ``address`` (the Maildir is shared by the session)."""
    address = address.lower()
    return [
        m
        for m in read_messages(maildir)
        if address in (a.lower() for _, a in getaddresses(m.get_all("To", [])))
    ]


def invitations_to(maildir: str, address: str) -> list[Invitation]:
    found = (_invitation(m) for m in mails_to(maildir, address))
    return [i for i in found if i is not None]
