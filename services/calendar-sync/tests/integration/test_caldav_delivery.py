"""Duplicated and shuffled events, two workers at once, a calendar server that goes away,
and an event deleted by hand: always exactly one calendar event per booking."""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client import REGISTRY

from kairos_calendar_sync.service_layer.reconcile import reconcile_once
from kairos_calendar_sync.service_layer.sync import sync_once, sync_until_idle
from kairos_contracts import Envelope, Event
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRescheduled,
)
from kairos_contracts.types import Person, Provider
from kairos_localstack.radicale import RadicaleServer

from .conftest import Cal, Dav, confirmed, follow, people

pytestmark = pytest.mark.integration


def _history(provider: Provider, mentee: Person) -> tuple[BookingConfirmed, list[Event]]:
    """Confirm, move twice; the last word is the second move (sequence 2)."""
    b = confirmed(provider, mentee)
    moves: list[Event] = []
    for seq in (1, 2):
        start = b.starts_at + timedelta(days=seq)
        moves.append(
            follow(
                BookingRescheduled,
                b,
                seq,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                previous_starts_at=b.starts_at,
                previous_ends_at=b.ends_at,
            )
        )
    return b, [b, *moves]


async def test_every_event_twice_and_shuffled_still_gives_one_event_per_booking(
    cal: Cal, dav: Dav
) -> None:
    provider, mentee = people()
    url = await dav.make_calendar("shuffle")
    await cal.connect_caldav(provider.user_id, url, "shuffle")
    bookings, deliveries = [], []
    for _ in range(4):
        b, events = _history(provider, mentee)
        bookings.append(b)
        envelopes = [Envelope.wrap(e, source="booking") for e in events]
        order = envelopes * 2
        random.Random(b.booking_id.int).shuffle(order)
        deliveries.append(order)
    # Bookings interleave; each booking's own events come duplicated and out of order.
    for step in range(max(len(d) for d in deliveries)):
        for d in deliveries:
            if step < len(d):
                await cal.deliver(d[step])
        await sync_once(cal.uows, cal.ctx)
    # Two workers (as two replicas would) drain what is left at the same time.
    await asyncio.gather(sync_until_idle(cal.uows, cal.ctx), sync_until_idle(cal.uows, cal.ctx))

    in_calendar = await dav.events(url, "shuffle")
    assert sorted(str(e["UID"]) for e in in_calendar) == sorted(
        f"{b.booking_id}@kairos" for b in bookings
    )
    for e in in_calendar:
        assert int(e["SEQUENCE"]) == 2
        b = next(b for b in bookings if f"{b.booking_id}@kairos" == str(e["UID"]))
        assert e.decoded("DTSTART") == b.starts_at + timedelta(days=2)


async def test_a_calendar_server_down_for_a_while_is_caught_up_without_loss_or_doubles(
    cal: Cal, dav: Dav
) -> None:
    root = Path(tempfile.mkdtemp(prefix="kairos-radicale-down-"))
    own = RadicaleServer(root / "data", log_file=root / "r.log")
    own.start()
    try:
        provider, mentee = people()
        url = f"{own.url}down/cal/"
        await Dav(own).make_calendar("down")  # a second one, to prove we use the given URL
        async with httpx.AsyncClient(auth=("down", "pw")) as c:
            assert (await c.request("MKCALENDAR", url)).status_code == 201
        await cal.connect_caldav(provider.user_id, url, "down")
        first = confirmed(provider, mentee)
        await cal.deliver(first)
        await sync_until_idle(cal.uows, cal.ctx)

        own.stop()
        second = confirmed(provider, mentee)
        moved = follow(BookingCancelled, first, 1)
        for e in (second, moved, second):
            await cal.deliver(e)
        # Fails: the connection backs off (its entries wait), nothing is lost.
        await sync_once(cal.uows, cal.ctx)
        await sync_once(cal.uows, cal.ctx)
        entries = await cal.rows("SELECT pending, last_error FROM calendar_entries")
        assert sum(r.pending for r in entries) == 2
        conn = (await cal.client.get("/connections", headers=cal.auth(provider.user_id))).json()[
            "items"
        ]
        assert conn[0]["failures"] >= 1 and "unreachable" in conn[0]["last_error"]
        failed = await cal.outbox("CalendarSyncFailed")
        assert failed and all(f["retryable"] for f in failed)

        own.start()  # same port, same data dir
        await sync_until_idle(cal.uows, cal.ctx)
        events = {str(e["UID"]): e for e in await Dav(own).events(url, "down")}
        assert len(await Dav(own).events(url, "down")) == 2
        assert str(events[f"{first.booking_id}@kairos"]["STATUS"]) == "CANCELLED"
        assert int(events[f"{first.booking_id}@kairos"]["SEQUENCE"]) == 1
        assert str(events[f"{second.booking_id}@kairos"]["STATUS"]) == "CONFIRMED"
        conn = (await cal.client.get("/connections", headers=cal.auth(provider.user_id))).json()[
            "items"
        ]
        assert conn[0]["failures"] == 0 and conn[0]["status"] == "active"
    finally:
        own.stop()
        shutil.rmtree(root, ignore_errors=True)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": "calendar-sync", **labels}) or 0.0


async def test_a_connection_failing_again_and_again_is_marked_broken_and_others_go_on(
    fresh_database: str, keypair: tuple[bytes, bytes], dav: Dav
) -> None:
    from .conftest import open_cal, settings_for

    c = await open_cal(
        fresh_database,
        keypair,
        settings=settings_for(fresh_database, CALENDAR_BROKEN_AFTER_FAILURES=2),
    )
    try:
        provider, mentee = people()
        good = await dav.make_calendar("good")
        gone = await dav.make_calendar("gone")
        await c.connect_caldav(provider.user_id, good, "good")
        broken = await c.connect_caldav(mentee.user_id, gone, "gone")
        # The mentee's calendar disappears (deleted in their app).
        await dav.delete(urlsplit(gone).path, "gone")
        before = _sample("calendar_connections_broken_total")
        for _ in range(3):
            await c.deliver(confirmed(provider, mentee))
            await sync_until_idle(c.uows, c.ctx)
        assert len(await dav.events(good, "good")) == 3  # the mentor's calendar is not held up
        listed = (await c.client.get("/connections", headers=c.auth(mentee.user_id))).json()[
            "items"
        ]
        assert listed[0]["connection_id"] == broken["connection_id"]
        assert listed[0]["status"] == "broken" and listed[0]["last_error"]
        # counted once, when it broke (the alert on broken calendars watches it)
        assert _sample("calendar_connections_broken_total") - before == 1
        failed = await c.outbox("CalendarSyncFailed")
        assert failed[-1]["retryable"] is False
    finally:
        await c.client.aclose()
        await c.service.engine.dispose()


async def test_an_event_deleted_by_hand_is_reported_and_recreated(cal: Cal, dav: Dav) -> None:
    provider, mentee = people()
    url = await dav.make_calendar("hand")
    await cal.connect_caldav(provider.user_id, url, "hand")
    kept, lost = confirmed(provider, mentee), confirmed(provider, mentee)
    for e in (kept, lost):
        await cal.deliver(e)
    await sync_until_idle(cal.uows, cal.ctx)
    by_uid = {str(e["UID"]): e for e in await dav.events(url, "hand")}
    await dav.delete(by_uid[f"{lost.booking_id}@kairos"].href, "hand")
    assert len(await dav.events(url, "hand")) == 1

    repaired = _sample("reconciliation_repairs_total", kind="calendar_deleted_outside")
    drifts = await reconcile_once(cal.uows, cal.ctx, interval_s=60)
    assert [(d.kind.value, d.uid) for d in drifts] == [
        ("deleted_outside", f"{lost.booking_id}@kairos")
    ]
    after = _sample("reconciliation_repairs_total", kind="calendar_deleted_outside")
    assert after - repaired == 1
    rows = await cal.rows("SELECT kind, action, booking_id FROM calendar_drift")
    assert [(r.kind, r.action, r.booking_id) for r in rows] == [
        ("deleted_outside", "recreated", lost.booking_id)
    ]
    reported = await cal.outbox("CalendarSyncFailed")
    assert [r["booking_id"] for r in reported] == [str(lost.booking_id)]
    # Reconciling again right away is a no-op (this connection's next run is later).
    assert await reconcile_once(cal.uows, cal.ctx, interval_s=60) == []

    await sync_until_idle(cal.uows, cal.ctx)
    events = await dav.events(url, "hand")
    assert sorted(str(e["UID"]) for e in events) == sorted(
        f"{b.booking_id}@kairos" for b in (kept, lost)
    )


async def test_a_foreign_copy_of_our_uid_is_removed_and_ours_written_again(
    cal: Cal, dav: Dav
) -> None:
    """Radicale refuses a second copy of a UID (no-uid-conflict), so a foreign copy can only
    replace ours: someone deleted our event and saved it again under another name."""
    provider, mentee = people()
    url = await dav.make_calendar("copy")
    await cal.connect_caldav(provider.user_id, url, "copy")
    b = confirmed(provider, mentee)
    await cal.deliver(b)
    await sync_until_idle(cal.uows, cal.ctx)
    [ours] = await dav.events(url, "copy")
    await dav.delete(ours.href, "copy")
    wrapped = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + ours.to_ical() + b"END:VCALENDAR\r\n"
    )
    async with httpx.AsyncClient(auth=("copy", "pw")) as c:
        put = await c.put(
            url + "copy.ics", content=wrapped, headers={"Content-Type": "text/calendar"}
        )
        assert put.status_code == 201, put.text

    drifts = await reconcile_once(cal.uows, cal.ctx, interval_s=60)
    assert sorted(d.kind.value for d in drifts) == ["duplicate", "moved"]
    await sync_until_idle(cal.uows, cal.ctx)
    [again] = await dav.events(url, "copy")
    assert again.href == ours.href and str(again["UID"]) == f"{b.booking_id}@kairos"

    # And if a copy sits at a foreign href when we next write, the write itself clears it.
    await dav.delete(again.href, "copy")
    async with httpx.AsyncClient(auth=("copy", "pw")) as c:
        put = await c.put(
            url + "copy2.ics", content=wrapped, headers={"Content-Type": "text/calendar"}
        )
        assert put.status_code == 201, put.text
    await cal.deliver(follow(BookingCancelled, b, 1))
    await sync_until_idle(cal.uows, cal.ctx)
    [last] = await dav.events(url, "copy")
    assert last.href == ours.href and str(last["STATUS"]) == "CANCELLED"
