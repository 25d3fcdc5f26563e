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

from .conftest import CALDAV_PASSWORD, Cal, Dav, confirmed, follow, people

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
        await sync_until_idle(cal.uows, cal.ctx)
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
    # Both participants have calendars: each gets a mail per change, none with an invitation.
    mails = await cal.rows("SELECT kind, ics FROM email_outbox ORDER BY id")
    assert len(mails) == 2 * 4 and all(m.ics is None for m in mails)


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
    assert (await cal.client.get("/connections", headers=cal.auth(user))).json()["items"] == []
    # Secrets are sealed: the password never sits in the table in clear.
    ok = await cal.connect_caldav(user, url, "owner")
    listed = (await cal.client.get("/connections", headers=cal.auth(user))).json()["items"]
    assert [c["connection_id"] for c in listed] == [ok["connection_id"]]
    assert "password" not in str(listed)
    rows = await cal.rows("SELECT secret FROM connections")
    sealed = bytes(rows[0].secret)
    assert CALDAV_PASSWORD.encode() not in sealed and b"owner" not in sealed
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
    assert (await cal.client.get("/connections", headers=cal.auth(user))).json()["items"] == []


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


async def test_connections_are_listed_page_by_page_oldest_first(cal: Cal, dav: Dav) -> None:
    user = uuid.uuid4()
    made = [
        (await cal.connect_caldav(user, await dav.make_calendar("pager"), "pager"))["connection_id"]
        for _ in range(5)
    ]
    await cal.connect_caldav(uuid.uuid4(), await dav.make_calendar("else"), "else")  # not listed
    seen, cursor, pages = [], None, 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        resp = await cal.client.get("/connections", params=params, headers=cal.auth(user))
        assert resp.status_code == 200, resp.text
        seen += [c["connection_id"] for c in resp.json()["items"]]
        pages += 1
        cursor = resp.json()["next_cursor"]
        assert resp.json()["has_more"] is (cursor is not None)
        if cursor is None:
            break
    assert (seen, pages) == (made, 3)
    # an admin reads anyone's; anyone else gets a 403
    as_admin = await cal.client.get(
        "/connections", params={"user_id": str(user)}, headers=cal.auth(uuid.uuid4(), "admin")
    )
    assert [c["connection_id"] for c in as_admin.json()["items"]] == made
    other = await cal.client.get(
        "/connections", params={"user_id": str(user)}, headers=cal.auth(uuid.uuid4())
    )
    assert other.status_code == 403 and other.json()["type"].endswith("/not-owner")
    # a cursor of another list (another key shape) is a 422, not a 500
    from kairos_platform.pagination import encode_cursor

    for foreign in (encode_cursor([7]), encode_cursor(["not a time", str(uuid.uuid4())])):
        bad = await cal.client.get(
            "/connections", params={"cursor": foreign}, headers=cal.auth(user)
        )
        assert bad.status_code == 422 and bad.json()["type"].endswith("/bad-cursor"), bad.text
