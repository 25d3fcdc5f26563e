"""The iCalendar documents, held to what ``icalendar``'s components write for the same
booking, byte for byte: any title, names, addresses, link, zone and sequence."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event, vCalAddress, vText

from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.domain.bookings import Booking, Participant, Status

STAMP = datetime(2026, 1, 1, 8, 30, 15, tzinfo=UTC)


def _address(p: Participant, role: str | None = None) -> vCalAddress:
    addr = vCalAddress(f"mailto:{p.email or f'{p.user_id}@users.kairos.invalid'}")
    if p.name:
        addr.params["CN"] = vText(p.name)
    if role:
        addr.params["ROLE"] = vText(role)
        addr.params["PARTSTAT"] = vText("ACCEPTED")
    return addr


def _vevent(b: Booking, stamp: datetime) -> Event:
    """The event as icalendar's components made it before the documents were written out."""
    zone = ZoneInfo(b.time_zone)
    ev = Event()
    ev.add("uid", b.uid)
    ev.add("sequence", b.sequence)
    ev.add("dtstamp", stamp)
    ev.add("summary", b.title)
    ev.add("dtstart", b.starts_at.astimezone(zone))
    ev.add("dtend", b.ends_at.astimezone(zone))
    ev.add("description", ics.description(b))
    ev.add("status", "CONFIRMED" if b.live else "CANCELLED")
    if b.meeting_url:
        ev.add("url", b.meeting_url)
        ev.add("location", b.meeting_url)
    ev.add("organizer", _address(b.provider))
    ev.add("attendee", _address(b.mentee, "REQ-PARTICIPANT"))
    return ev


def _reference(bookings: Iterable[Booking], stamp: datetime, method: str | None) -> bytes:
    own = Calendar()
    own.add("prodid", ics.PRODID)
    own.add("version", "2.0")
    if method:
        own.add("method", method)
    for b in bookings:
        own.add_component(_vevent(b, stamp))
    own.add_missing_timezones()
    # icalendar orders its zones as a set does; ours are sorted by TZID
    own.subcomponents.sort(key=lambda c: (c.name != "VTIMEZONE", str(c.get("TZID", ""))))
    return bytes(own.to_ical())


def _booking() -> Booking:
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night Europe's clocks change
    return Booking(
        booking_id=uuid.UUID(int=7),
        sequence=0,
        status=Status.CONFIRMED,
        title="Career mentoring",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        time_zone="Europe/Madrid",
        provider=Participant(uuid.UUID(int=1), "maya@example.org", "Maya Mentor"),
        mentee=Participant(uuid.UUID(int=2), "eli@example.org", "Eli"),
        meeting_url="https://meet.example/abc",
    )


def test_each_zone_gets_its_vtimezone_once_and_the_same_document_as_icalendars_own() -> None:
    """VTIMEZONEs are serialized once per process and spliced in: the document holds what
    icalendar's add_missing_timezones makes, one VTIMEZONE per zone used, before the events."""
    madrid = _booking()
    york = dataclasses.replace(madrid, booking_id=uuid.uuid4(), time_zone="America/New_York")
    bookings = [madrid, york, dataclasses.replace(madrid, booking_id=uuid.uuid4())]
    ics._vtimezone.cache_clear()
    made = ics.document(bookings, stamp=STAMP, method="REQUEST")
    again = ics.document(bookings, stamp=STAMP, method="REQUEST")
    assert ics._vtimezone.cache_info().misses == 2  # one per zone, the rest from the cache
    assert made == again == _reference(bookings, STAMP, "REQUEST")
    parsed = Calendar.from_ical(made)
    assert [c.name for c in parsed.subcomponents] == ["VTIMEZONE"] * 2 + ["VEVENT"] * 3
    empty = ics.document([], stamp=STAMP)
    assert b"VTIMEZONE" not in empty and empty == _reference([], STAMP, None)


_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=120)
_special = st.text(st.sampled_from(list(" ,;:'\"\\^\r\n\u2019é日🙂xN")), max_size=90)
_names = st.none() | _text | _special


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_text | _special,
    provider_name=_names,
    mentee_name=_names,
    email=st.none() | st.emails(),
    # a URI holds no line break (icalendar refuses one; ours drops it)
    url=st.none()
    | st.just("https://meet.example/x?a=1,b;c")
    | _special.map(lambda s: s.replace("\r", "").replace("\n", "") or "u"),
    zone=st.sampled_from(["Europe/Madrid", "America/New_York", "UTC", "Etc/UTC", "Asia/Tokyo"]),
    sequence=st.integers(0, 10_000),
    cancelled=st.booleans(),
    method=st.sampled_from([None, "REQUEST", "CANCEL"]),
    minutes=st.integers(0, 60 * 24 * 400),
)
def test_any_booking_is_written_as_icalendar_writes_it(
    title: str,
    provider_name: str | None,
    mentee_name: str | None,
    email: str | None,
    url: str | None,
    zone: str,
    sequence: int,
    cancelled: bool,
    method: str | None,
    minutes: int,
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    b = dataclasses.replace(
        _booking(),
        title=title,
        provider=Participant(uuid.UUID(int=1), email, provider_name),
        mentee=Participant(uuid.UUID(int=2), "eli@example.org", mentee_name),
        meeting_url=url,
        time_zone=zone,
        sequence=sequence,
        status=Status.CANCELLED if cancelled else Status.CONFIRMED,
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
    )
    assert ics.event_document(b, stamp=STAMP, method=method) == _reference([b], STAMP, method)
