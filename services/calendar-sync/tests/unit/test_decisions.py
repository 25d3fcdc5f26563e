"""The decision logic on fakes: projection and sequence rules, drift classification,
backoff and broken connections, and the iCalendar documents."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar

from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.domain.bookings import is_newer
from kairos_calendar_sync.domain.connections import Connection, Kind
from kairos_calendar_sync.domain.drift import DriftKind, Expected, Found, classify
from kairos_calendar_sync.domain.rules import RetryPolicy
from kairos_calendar_sync.service_layer.compose import Composer
from kairos_calendar_sync.service_layer.projection import on_booking_event, to_booking
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRescheduled,
    BookingRestored,
)
from kairos_contracts.examples import MENTEE, PROVIDER, example

from .fakes import FakeCalendarUow

COMPOSER = Composer("https://kairos.example", b"test-link-key")

_COMMON = ("booking_id", "provider", "mentee", "starts_at", "ends_at", "payment_id")


def _history() -> list[Any]:
    b = example(BookingConfirmed, booking_id=uuid.uuid4())
    keep = {k: getattr(b, k) for k in _COMMON}
    return [
        b,
        example(BookingRescheduled, **keep, sequence=1),
        example(BookingCancelled, **keep, sequence=2),
        example(BookingRestored, **keep, sequence=3),
    ]


def _uow_with_mentor_calendar() -> tuple[FakeCalendarUow, Connection]:
    uow = FakeCalendarUow()
    conn = Connection(uuid.uuid4(), PROVIDER.user_id, Kind.CALDAV, "http://cal/", b"")
    uow.connections.rows.append(conn)
    return uow, conn


async def test_the_projection_keeps_the_highest_sequence_whatever_the_order() -> None:
    history = _history()
    in_order, _ = _uow_with_mentor_calendar()
    for e in history:
        await on_booking_event(e, in_order, COMPOSER)
    shuffled, _ = _uow_with_mentor_calendar()
    for e in [history[3], history[0], history[2], history[3], history[1], history[0]]:
        await on_booking_event(e, shuffled, COMPOSER)
    for uow in (in_order, shuffled):
        [b] = uow.bookings.rows.values()
        assert (b.sequence, b.status.value) == (3, "confirmed")
        assert list(uow.entries.desired.values()) == [(3, "confirmed")]


async def test_both_get_a_mail_per_change_the_invitation_only_without_a_calendar() -> None:
    uow, _ = _uow_with_mentor_calendar()
    for e in _history() * 2:
        await on_booking_event(e, uow, COMPOSER)
    seen = sorted(
        (m.sequence or 0, m.recipient, m.kind.value, m.method) for m in uow.mails.rows.values()
    )
    kinds = ["booking_confirmed", "booking_rescheduled", "booking_cancelled", "booking_restored"]
    methods = ["REQUEST", "REQUEST", "CANCEL", "REQUEST"]
    assert seen == sorted(
        [
            (seq, MENTEE.email, kind, method)
            for seq, (kind, method) in enumerate(zip(kinds, methods, strict=True))
        ]
        + [(seq, PROVIDER.email, kind, None) for seq, kind in enumerate(kinds)]
    )
    # the mentor's calendar gets the event: their mails carry no .ics; the mentee's do
    assert all((m.ics is None) == (m.recipient == PROVIDER.email) for m in uow.mails.rows.values())


def test_a_sequence_counts_only_when_higher() -> None:
    assert is_newer(0, None) and is_newer(3, 2)
    assert not is_newer(2, 2) and not is_newer(1, 2)


def _exp(
    *,
    uid: str = "u@kairos",
    href: str = "/c/u.ics",
    sequence: int = 2,
    cancelled: bool = False,
    synced: bool = True,
) -> Expected:
    return Expected(uid=uid, href=href, sequence=sequence, cancelled=cancelled, synced=synced)


def _found(
    *, uid: str = "u@kairos", href: str = "/c/u.ics", sequence: int = 2, cancelled: bool = False
) -> Found:
    return Found(uid=uid, href=href, sequence=sequence, cancelled=cancelled)


def test_drift_classification() -> None:
    assert classify([_exp()], [_found()]) == []
    assert [d.kind for d in classify([_exp()], [])] == [DriftKind.DELETED_OUTSIDE]
    # A cancelled booking whose event is gone: nothing to show, nothing to do.
    assert classify([_exp(cancelled=True)], []) == []
    # Not yet written by the worker: its backlog is not drift.
    assert classify([_exp(synced=False)], []) == []
    dup = classify([_exp()], [_found(), _found(href="/c/copy.ics")])
    assert [(d.kind, d.hrefs) for d in dup] == [(DriftKind.DUPLICATE, ["/c/copy.ics"])]
    moved = classify([_exp()], [_found(href="/c/copy.ics")])
    assert [d.kind for d in moved] == [DriftKind.DUPLICATE, DriftKind.MOVED]
    assert [d.kind for d in classify([_exp()], [_found(sequence=1)])] == [DriftKind.STALE]
    assert [d.kind for d in classify([_exp(cancelled=True)], [_found()])] == [DriftKind.STALE]
    # Events of ours that no entry expects are not touched (another connection's, say).
    assert classify([], [_found(uid="other@kairos")]) == []


def test_backoff_grows_and_caps_and_breaks_after_n() -> None:
    p = RetryPolicy(base_s=1.0, max_s=10.0, broken_after=3)
    assert [p.backoff_s(n) for n in range(6)] == [0.0, 1.0, 2.0, 4.0, 8.0, 10.0]
    assert not p.is_broken(2) and p.is_broken(3)


def test_the_event_document_has_uid_sequence_zone_link_and_people() -> None:
    e = _history()[1]
    doc = Calendar.from_ical(
        ics.event_document(to_booking(e), stamp=datetime.now(UTC), method="REQUEST")
    )
    assert str(doc["METHOD"]) == "REQUEST"
    [ev] = doc.walk("VEVENT")
    assert str(ev["UID"]) == f"{e.booking_id}@kairos" and ev.decoded("SEQUENCE") == 1
    assert ev["DTSTART"].params["TZID"] == e.provider_time_zone
    assert ev.decoded("DTEND") - ev.decoded("DTSTART") == timedelta(hours=1)
    assert e.meeting_url in str(ev["DESCRIPTION"])
    assert str(ev["ORGANIZER"]) == f"mailto:{PROVIDER.email}"
    assert str(ev["ATTENDEE"]) == f"mailto:{MENTEE.email}"
    cancelled = ics.event_document(to_booking(_history()[2]), stamp=datetime.now(UTC))
    assert b"STATUS:CANCELLED" in cancelled
