"""A booking's life in a real Radicale calendar: confirm, reschedule, cancel, restore."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from kairos_calendar_sync.service_layer.sync import sync_until_idle
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingRescheduled,
    BookingRestored,
)
from kairos_localstack.radicale import RadicaleServer

from .conftest import Cal, Dav, confirmed, follow, people

pytestmark = pytest.mark.integration


async def test_confirm_reschedule_cancel_restore_keeps_one_event_with_growing_sequence(
    cal: Cal, dav: Dav
) -> None:
    provider, mentee = people()
    mentor_url = await dav.make_calendar("mentor")
    mentee_url = await dav.make_calendar("mentee")
    await cal.connect_caldav(provider.user_id, mentor_url, "mentor")
    await cal.connect_caldav(mentee.user_id, mentee_url, "mentee")

    booked = confirmed(provider, mentee)
    moved_start = booked.starts_at + timedelta(days=1, hours=2)
    steps = [
        (booked, "CONFIRMED", booked.starts_at),
        (
            follow(
                BookingRescheduled,
                booked,
                1,
                starts_at=moved_start,
                ends_at=moved_start + timedelta(hours=1),
                previous_starts_at=booked.starts_at,
                previous_ends_at=booked.ends_at,
            ),
            "CONFIRMED",
            moved_start,
        ),
        (
            follow(
                BookingCancelled,
                booked,
                2,
                starts_at=moved_start,
                ends_at=moved_start + timedelta(hours=1),
            ),
            "CANCELLED",
            moved_start,
        ),
        (
            follow(
                BookingRestored,
                booked,
                3,
                starts_at=moved_start,
                ends_at=moved_start + timedelta(hours=1),
            ),
            "CONFIRMED",
            moved_start,
        ),
    ]
    for event, status, start in steps:
        await cal.deliver(event)
        await sync_until_idle(cal.ctx)
        for url, user in ((mentor_url, "mentor"), (mentee_url, "mentee")):
            events = await dav.events(url, user)
            assert len(events) == 1, (event.TYPE, user, events)
            ev = events[0]
            assert str(ev["UID"]) == f"{booked.booking_id}@kairos"
            assert int(ev["SEQUENCE"]) == event.sequence
            assert str(ev["STATUS"]) == status
            dtstart = ev.decoded("DTSTART")
            assert str(dtstart.tzinfo) == "Europe/Madrid"
            assert dtstart == start
            assert ev.decoded("DTEND") - dtstart == timedelta(hours=1)
            assert booked.meeting_url and booked.meeting_url in str(ev["DESCRIPTION"])
            assert str(ev["ORGANIZER"]) == f"mailto:{provider.email}"
            assert str(ev["ATTENDEE"]) == f"mailto:{mentee.email}"
            assert str(ev["SUMMARY"]) == booked.offering_title

    synced = await cal.outbox("CalendarEventSynced")
    assert [
        (s["action"], s["ical_sequence"]) for s in synced if s["user_id"] == str(mentee.user_id)
    ] == [
        ("created", 0),
        ("updated", 1),
        ("cancelled", 2),
        ("created", 3),
    ]
    # Both participants have calendars: nobody gets an e-mail invitation.
    assert await cal.rows("SELECT id FROM email_outbox") == []


async def test_connecting_refuses_what_is_not_a_calendar(cal: Cal, dav: Dav) -> None:
    user = uuid.uuid4()
    bad_url = await cal.client.post(
        "/connections",
        json={"kind": "caldav", "calendar_url": "not a url", "username": "x"},
        headers=cal.auth(user),
    )
    assert bad_url.status_code == 422
    missing = await cal.client.post(
        "/connections",
        json={
            "kind": "caldav",
            "calendar_url": dav.calendar_url("someone"),
            "username": "someone",
            "password": "pw",
        },
        headers=cal.auth(user),
    )
    assert missing.status_code == 400, missing.text
    assert missing.headers["content-type"].startswith("application/problem+json")
    url = await dav.make_calendar("owner")
    assert (await cal.client.get("/connections", headers=cal.auth(user))).json() == []
    # Secrets are sealed: the password never sits in the table in clear.
    ok = await cal.connect_caldav(user, url, "owner")
    listed = (await cal.client.get("/connections", headers=cal.auth(user))).json()
    assert [c["connection_id"] for c in listed] == [ok["connection_id"]]
    assert "password" not in str(listed)
    rows = await cal.rows("SELECT secret FROM connections")
    assert b"pw" not in bytes(rows[0].secret) and b"owner" not in bytes(rows[0].secret)
    # Only the owner sees, tests or removes it.
    other = cal.auth(uuid.uuid4())
    cid = ok["connection_id"]
    assert (await cal.client.post(f"/connections/{cid}/test", headers=other)).status_code == 403
    assert (await cal.client.delete(f"/connections/{cid}", headers=other)).status_code == 403
    tested = await cal.client.post(f"/connections/{cid}/test", headers=cal.auth(user))
    assert tested.status_code == 200 and tested.json()["ok"] is True
    assert (
        await cal.client.delete(f"/connections/{cid}", headers=cal.auth(user))
    ).status_code == 204
    assert (await cal.client.get("/connections", headers=cal.auth(user))).json() == []


async def test_a_server_refusing_the_password_is_a_400_and_nothing_is_stored(
    cal: Cal, locked_radicale: RadicaleServer
) -> None:
    user = uuid.uuid4()
    url = f"{locked_radicale.url}alice/work/"
    async with httpx.AsyncClient(auth=("alice", "secret")) as c:
        assert (await c.request("MKCALENDAR", url)).status_code == 201
    body = {"kind": "caldav", "calendar_url": url, "username": "alice", "password": "wrong"}
    refused = await cal.client.post("/connections", json=body, headers=cal.auth(user))
    assert refused.status_code == 400, refused.text
    assert refused.json()["type"].endswith("/calendar-refused")
    assert await cal.rows("SELECT connection_id FROM connections") == []
    body["password"] = "secret"
    ok = await cal.client.post("/connections", json=body, headers=cal.auth(user))
    assert ok.status_code == 201, ok.text
