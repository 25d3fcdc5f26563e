"""iCalendar documents for a booking (RFC 5545 / iTIP RFC 5546).

Every document for a booking carries the same UID and the booking's sequence as SEQUENCE,
so a calendar replaces its copy instead of adding one. Times carry the provider's zone
(TZID with a VTIMEZONE), so the event shows at the right hour across DST changes.

The event is written out here, as ``icalendar`` writes it (its property order, TEXT and
parameter escaping, RFC 6868, quoting, folding at 75 octets), rather than through its
component objects, which made most of the CPU of a reminder or an invitation
(bench/README.md); the unit tests hold this to ``icalendar``'s own output. The zones'
VTIMEZONEs still come from ``icalendar``, serialized once per process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, vDDDTypes

from kairos_calendar_sync.domain.bookings import Booking, Participant

PRODID = "-//Kairos//calendar-sync//EN"


def description(b: Booking) -> str:
    lines = [f"{b.title} with {b.provider.name or 'your mentor'}."]
    if b.meeting_url:
        lines.append(f"Join: {b.meeting_url}")
    return "\n".join(lines)


def document(bookings: Iterable[Booking], *, stamp: datetime, method: str | None = None) -> bytes:
    """A VCALENDAR with ``bookings`` and one VTIMEZONE per zone they use (zones first,
    sorted by TZID), as icalendar's ``add_missing_timezones`` makes them."""
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_text(PRODID)}"]
    if method:
        head.append(f"METHOD:{_text(method)}")
    events: list[str] = []
    tzids: set[str] = set()
    for b in bookings:
        events += _vevent(b, _utc(stamp), tzids)
    zones = b"".join(_vtimezone(tzid) for tzid in sorted(tzids))
    events.append("END:VCALENDAR")
    return _lines(head) + zones + _lines(events)


def event_document(b: Booking, *, stamp: datetime, method: str | None = None) -> bytes:
    """One booking as a whole .ics (what CalDAV stores and what an invitation attaches)."""
    return document([b], stamp=stamp, method=method)


def _vevent(b: Booking, stamp: str, tzids: set[str]) -> list[str]:
    """The VEVENT's lines in icalendar's order: its canonical ones, then the rest sorted."""
    tzid, zone_params, suffix = _zone(b.time_zone)
    if tzid is not None:
        tzids.add(tzid)
    zone = ZoneInfo(b.time_zone)
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(b.title)}",
        f"DTSTART{zone_params}:{_local(b.starts_at, zone)}{suffix}",
        f"DTEND{zone_params}:{_local(b.ends_at, zone)}{suffix}",
        f"DTSTAMP:{stamp}",
        f"UID:{_text(b.uid)}",
        f"SEQUENCE:{b.sequence}",
        f"ATTENDEE{_address_params(b.mentee, 'REQ-PARTICIPANT')}:{_mailto(b.mentee)}",
        f"DESCRIPTION:{_text(description(b))}",
    ]
    if b.meeting_url:
        lines.append(f"LOCATION:{_text(b.meeting_url)}")
    lines.append(f"ORGANIZER{_address_params(b.provider)}:{_mailto(b.provider)}")
    lines.append(f"STATUS:{'CONFIRMED' if b.live else 'CANCELLED'}")
    if b.meeting_url:
        # a URI is written as it is: a line break in one would end the line
        lines.append(f"URL:{b.meeting_url.replace(chr(13), '').replace(chr(10), '')}")
    lines.append("END:VEVENT")
    return lines


def _lines(lines: list[str]) -> bytes:
    return "".join(_fold(line) + "\r\n" for line in lines).encode()


def _fold(line: str) -> str:
    """RFC 5545 3.1 folding as icalendar does it: parts of at most 74 octets, never split
    after a backslash or a caret (an escape stays whole)."""
    if len(line) <= 74 and (line.isascii() or len(line.encode()) <= 74):
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if current and size + width >= 75:
            if len(current) > 1 and current[-1] in "\\^":
                escape = current.pop()
                parts.append("".join(current))
                current, size = [escape], len(escape.encode())
            else:
                parts.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    if current:
        parts.append("".join(current))
    return "\r\n ".join(parts)


def _text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11), in icalendar's order of replacements."""
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


_PARAM_ESCAPES = re.compile(r'\^|\r\n|\r|\n|"')
_PARAM_REPLACEMENTS = {"^": "^^", '"': "^'"}
_QUOTABLE = re.compile("[,;:\u2019]")
#: a common name is quoted for these too (icalendar's ``quote_also``)
_CN_QUOTED_FOR = " '"


def _param(value: str, quote_also: str = "") -> str:
    """A parameter value: RFC 6868 escapes, double quotes where icalendar puts them."""
    escaped = _PARAM_ESCAPES.sub(lambda m: _PARAM_REPLACEMENTS.get(m.group(0), "^n"), value)
    if _QUOTABLE.search(escaped) or any(c in value for c in quote_also):
        return f'"{escaped}"'
    return escaped


def _address_params(p: Participant, role: str | None = None) -> str:
    """The parameters of an ORGANIZER or ATTENDEE, sorted by name as icalendar writes them."""
    params = []
    if p.name:
        params.append(f"CN={_param(p.name, quote_also=_CN_QUOTED_FOR)}")
    if role:
        params.append(f"PARTSTAT={_param('ACCEPTED')}")
        params.append(f"ROLE={_param(role)}")
    return "".join(f";{param}" for param in params)


def _mailto(p: Participant) -> str:
    return f"mailto:{p.email or f'{p.user_id}@users.kairos.invalid'}"


def _utc(at: datetime) -> str:
    u = at.astimezone(UTC)
    return f"{u.year:04}{u.month:02}{u.day:02}T{u.hour:02}{u.minute:02}{u.second:02}Z"


def _local(at: datetime, zone: ZoneInfo) -> str:
    t = at.astimezone(zone)
    return f"{t.year:04}{t.month:02}{t.day:02}T{t.hour:02}{t.minute:02}{t.second:02}"


@lru_cache(maxsize=256)
def _zone(time_zone: str) -> tuple[str | None, str, str]:
    """How icalendar writes a time in ``time_zone``: the TZID it names (None for UTC),
    the parameters before the value and the suffix after it ("Z" for UTC), asked of
    icalendar once per zone."""
    probe = vDDDTypes(datetime(2000, 1, 1, tzinfo=ZoneInfo(time_zone)))
    params: str = probe.params.to_ical().decode()
    value: bytes = probe.to_ical()
    tzid = probe.params.get("TZID") if "TZID=" in params else None
    return tzid, f";{params}" if params else "", "Z" if value.endswith(b"Z") else ""


@lru_cache(maxsize=64)
def _vtimezone(tzid: str) -> bytes:
    """The serialized VTIMEZONE of ``tzid`` with icalendar's default span of transitions;
    empty for a zone icalendar does not know (left out, as it does)."""
    try:
        zone: bytes = Timezone.from_tzid(tzid).to_ical()
    except ValueError:
        return b""
    return zone
