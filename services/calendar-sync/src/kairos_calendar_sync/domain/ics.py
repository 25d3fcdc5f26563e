"""iCalendar documents for a booking (RFC 5545 / iTIP RFC 5546), built with ``icalendar``.

Every document for a booking carries the same UID and the booking's sequence as SEQUENCE,
so a calendar replaces its copy instead of adding one. Times carry the provider's zone
(TZID with a VTIMEZONE), so the event shows at the right hour across DST changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from kairos_calendar_sync.domain.bookings import Booking, Participant

PRODID = "-//Kairos//calendar-sync//EN"


def _address(p: Participant, role: str | None = None) -> vCalAddress:
    addr = vCalAddress(f"mailto:{p.email or f'{p.user_id}@users.kairos.invalid'}")
    if p.name:
        addr.params["CN"] = vText(p.name)
    if role:
        addr.params["ROLE"] = vText(role)
        addr.params["PARTSTAT"] = vText("ACCEPTED")
    return addr


def description(b: Booking) -> str:
    lines = [f"{b.title} with {b.provider.name or 'your mentor'}."]
    if b.meeting_url:
        lines.append(f"Join: {b.meeting_url}")
    return "\n".join(lines)


def vevent(b: Booking, *, stamp: datetime) -> Event:
    zone = ZoneInfo(b.time_zone)
    ev = Event()
    ev.add("uid", b.uid)
    ev.add("sequence", b.sequence)
    ev.add("dtstamp", stamp)
    ev.add("summary", b.title)
    ev.add("dtstart", b.starts_at.astimezone(zone))
    ev.add("dtend", b.ends_at.astimezone(zone))
    ev.add("description", description(b))
    ev.add("status", "CONFIRMED" if b.live else "CANCELLED")
    if b.meeting_url:
        ev.add("url", b.meeting_url)
        ev.add("location", b.meeting_url)
    ev.add("organizer", _address(b.provider))
    ev.add("attendee", _address(b.mentee, "REQ-PARTICIPANT"))
    return ev


def document(bookings: Iterable[Booking], *, stamp: datetime, method: str | None = None) -> bytes:
    """A VCALENDAR with ``bookings`` and one VTIMEZONE per zone they use, as icalendar's
    add_missing_timezones makes them (zones first, sorted by TZID).

    The zones are spliced in as bytes serialized once per process: serializing their
    transition lists again made most of the cost of every invitation and calendar write
    (bench/README.md)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    for b in bookings:
        cal.add_component(vevent(b, stamp=stamp))
    body: bytes = cal.to_ical()
    zones = b"".join(_vtimezone(tzid) for tzid in sorted(cal.get_missing_tzids()))
    if not zones:
        return body
    at = body.find(b"BEGIN:VEVENT\r\n")
    return body[:at] + zones + body[at:]


@lru_cache(maxsize=64)
def _vtimezone(tzid: str) -> bytes:
    """The serialized VTIMEZONE of ``tzid`` with icalendar's default span of transitions;
    empty for a zone icalendar does not know (left out, as it does)."""
    try:
        zone: bytes = Timezone.from_tzid(tzid).to_ical()
    except ValueError:
        return b""
    return zone


def event_document(b: Booking, *, stamp: datetime, method: str | None = None) -> bytes:
    """One booking as a whole .ics (what CalDAV stores and what an invitation attaches)."""
    return document([b], stamp=stamp, method=method)
