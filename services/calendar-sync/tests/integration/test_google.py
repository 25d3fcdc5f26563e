"""The Google adapter against recorded request/response shapes of Calendar API v3 (insert,
patch, delete, list by iCalUID, token refresh), served locally: no network."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kairos_calendar_sync.service_layer.reconcile import reconcile_once
from kairos_calendar_sync.service_layer.sync import sync_until_idle
from kairos_contracts.events.booking import BookingCancelled, BookingRescheduled, BookingRestored

from .conftest import Cal, confirmed, follow, open_cal, people, settings_for
from .google_server import GoogleCalendarStub

pytestmark = pytest.mark.integration


@pytest.fixture
def google() -> Iterator[GoogleCalendarStub]:
    stub = GoogleCalendarStub()
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture
async def gcal(
    fresh_database: str, keypair: tuple[bytes, bytes], google: GoogleCalendarStub
) -> AsyncIterator[Cal]:
    settings = settings_for(
        fresh_database,
        GOOGLE_API_BASE=f"{google.base}/calendar/v3/",
        GOOGLE_TOKEN_URI=f"{google.base}/token",
    )
    c = await open_cal(fresh_database, keypair, settings=settings)
    yield c
    await c.client.aclose()
    await c.service.engine.dispose()


async def _connect(cal: Cal, user_id: uuid.UUID, **overrides: str | None) -> dict[str, Any]:
    body = {
        "kind": "google",
        "calendar_id": "primary",
        "access_token": "ya29.expired",
        "refresh_token": "1//refresh",
        "expires_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "client_id": "kairos.apps.googleusercontent.com",
        "client_secret": "GOCSPX-secret",
    } | overrides
    resp = await cal.client.post("/connections", json=body, headers=cal.auth(user_id))
    assert resp.status_code == 201, resp.text
    connection: dict[str, Any] = resp.json()
    return connection


async def test_google_lifecycle_insert_patch_delete_restore_one_event(
    gcal: Cal, google: GoogleCalendarStub
) -> None:
    provider, mentee = people()
    await _connect(gcal, provider.user_id)
    # The expired token was refreshed while testing the connection, and stored sealed.
    assert google.calls("POST")[0] == ("POST", "/token")
    [row] = await gcal.rows("SELECT secret FROM connections")
    assert gcal.ctx.box.open(bytes(row.secret))["access_token"].startswith("ya29.a0-refreshed")

    b = confirmed(provider, mentee)
    await gcal.deliver(b)
    await sync_until_idle(gcal.uows, gcal.ctx)
    [ev] = google.live()
    assert ev["iCalUID"] == f"{b.booking_id}@kairos" and ev["sequence"] == 0
    assert ev["start"] == {"dateTime": b.starts_at.isoformat(), "timeZone": "Europe/Madrid"}
    assert ev["extendedProperties"]["private"]["kairos"] == "1"
    assert b.meeting_url and b.meeting_url in ev["description"]
    # list by iCalUID came before the insert
    lists = [q for m, p, q, _ in google.requests if m == "GET" and "iCalUID" in q]
    assert lists and lists[0]["iCalUID"] == [f"{b.booking_id}@kairos"]

    start = b.starts_at + timedelta(days=1)
    times = {"starts_at": start, "ends_at": start + timedelta(hours=1)}
    moved = follow(
        BookingRescheduled,
        b,
        1,
        previous_starts_at=b.starts_at,
        previous_ends_at=b.ends_at,
        **times,
    )
    await gcal.deliver(moved)
    await gcal.deliver(b)  # stale replay: ignored
    await sync_until_idle(gcal.uows, gcal.ctx)
    [ev] = google.live()
    assert ev["sequence"] == 1 and ev["start"]["dateTime"] == start.isoformat()
    assert len(google.events) == 1 and google.calls("PATCH")

    await gcal.deliver(follow(BookingCancelled, b, 2, **times))
    await sync_until_idle(gcal.uows, gcal.ctx)
    assert google.live() == [] and google.calls("DELETE")

    await gcal.deliver(follow(BookingRestored, b, 3, **times))
    await sync_until_idle(gcal.uows, gcal.ctx)
    [ev] = google.live()
    assert len(google.events) == 1  # the deleted copy came back; no second event
    assert ev["status"] == "confirmed" and ev["sequence"] == 3
    synced = await gcal.outbox("CalendarEventSynced")
    assert [(s["target"], s["action"]) for s in synced] == [
        ("google", "created"),
        ("google", "updated"),
        ("google", "cancelled"),
        ("google", "created"),
    ]


async def test_google_duplicates_are_removed_and_hand_deletes_repaired(
    gcal: Cal, google: GoogleCalendarStub
) -> None:
    provider, mentee = people()
    await _connect(gcal, provider.user_id, access_token="ya29.valid", expires_at=None)
    b = confirmed(provider, mentee)
    await gcal.deliver(b)
    await sync_until_idle(gcal.uows, gcal.ctx)
    [ours] = google.live()
    # Another app imported a copy of our event: same iCalUID, another id.
    google._insert({k: v for k, v in ours.items() if k not in ("id", "status")})
    assert len(google.live()) == 2
    drifts = await reconcile_once(gcal.uows, gcal.ctx, interval_s=60)
    assert [d.kind.value for d in drifts] == ["duplicate"]
    assert [e["id"] for e in google.live()] == [ours["id"]]

    google._delete(ours["id"])  # deleted by hand in Google Calendar
    await gcal.execute("UPDATE connections SET reconcile_at = now()")  # due again now
    drifts = await reconcile_once(gcal.uows, gcal.ctx, interval_s=60)
    assert [d.kind.value for d in drifts] == ["deleted_outside"]
    await sync_until_idle(gcal.uows, gcal.ctx)
    assert [e["id"] for e in google.live()] == [ours["id"]]


async def test_google_refusing_the_tokens_is_a_400(gcal: Cal, google: GoogleCalendarStub) -> None:
    provider, _ = people()
    google.refuse_refresh = True  # the user revoked our access in their Google account
    resp = await gcal.client.post(
        "/connections",
        json={
            "kind": "google",
            "access_token": "ya29.revoked",
            "refresh_token": "1//r",
            "client_id": "c",
            "client_secret": "s",
        },
        headers=gcal.auth(provider.user_id),
    )
    assert resp.status_code == 400, resp.text
    assert await gcal.rows("SELECT 1 FROM connections") == []


@pytest.mark.parametrize(
    "expires_at",
    [
        "9999-12-31T12:00:00Z",
        "0001-01-01T12:00:00Z",
        "0001-01-01T00:30:00+01:00",
        "2101-01-01T00:00:00Z",
        "2030-01-01T12:00:00",  # no offset: which instant is it?
    ],
)
async def test_a_token_expiry_outside_the_accepted_dates_is_422(
    gcal: Cal, google: GoogleCalendarStub, expires_at: str
) -> None:
    provider, _ = people()
    resp = await gcal.client.post(
        "/connections",
        json={
            "kind": "google",
            "access_token": "ya29.valid",
            "refresh_token": "1//r",
            "expires_at": expires_at,
            "client_id": "c",
            "client_secret": "s",
        },
        headers=gcal.auth(provider.user_id),
    )
    assert resp.status_code == 422, resp.text
    [error] = resp.json()["errors"]
    assert error["field"] == "google.expires_at", error
    if expires_at.endswith("Z"):
        assert "2000-01-01 to 2100-12-31" in error["message"], error
    assert await gcal.rows("SELECT 1 FROM connections") == []
    assert google.requests == []
