"""Calendars end to end: a mentee with a CalDAV calendar (the stack's Radicale) and a
mentor without one (so invited by e-mail, read from the stack's Maildir), one-time paid
bookings through the gateway, a cancellation, and the mentee's private ICS feed.

What calendar-sync's README promises and this checks: one event per booking and calendar
with UID ``<booking_id>@kairos`` and SEQUENCE = the booking's sequence; on CalDAV a
cancelled booking stays as ``STATUS:CANCELLED`` with a higher SEQUENCE; a participant
without a calendar gets one ``METHOD:REQUEST`` mail per confirmation and a
``METHOD:CANCEL`` per cancellation, and one with a calendar gets the same mails without
the invitation; the feed lists the user's live sessions and answers 404
once revoked.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kairos_e2e.client import Gateway, eventually
from kairos_e2e.market import ZONE, B, C, Market, P, Subscriber, mentee
from kairos_e2e.observe import (
    CalDavCalendar,
    Event,
    Invitation,
    invitations_to,
    mails_to,
    parse_events,
    uid_of,
)

pytestmark = pytest.mark.e2e


def copies(events: list[Event], uid: str) -> list[Event]:
    return [e for e in events if e.uid == uid]


async def calendar_when(calendar: CalDavCalendar, ok: Any, what: str) -> list[Event]:
    async def probe() -> list[Event] | None:
        found = await calendar.events()
        return found if ok(found) else None

    return await eventually(probe, timeout=30, what=what)


async def invitations_when(maildir: str, address: str, ok: Any, what: str) -> list[Invitation]:
    async def probe() -> list[Invitation] | None:
        found = invitations_to(maildir, address)
        return found if ok(found) else None

    return await eventually(probe, timeout=30, what=what)


def about(invitations: list[Invitation], uid: str) -> list[Invitation]:
    return [i for i in invitations if any(e.uid == uid for e in i.events)]


async def feed_uids(gateway: Gateway, path: str) -> set[str]:
    resp = await gateway.http.get(f"{C}{path}")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/calendar")
    events = parse_events(resp.content)
    uids = [e.uid for e in events]
    assert len(uids) == len(set(uids)), uids  # one event per booking
    assert all(e.status in ("", "CONFIRMED") for e in events), events
    return set(uids)


async def assert_told_without_invitations(maildir: str, address: str, kinds: list[str]) -> None:
    """``address`` (whose calendar is connected) gets mails of each of ``kinds`` (subject
    prefixes), and not one with an .ics invitation."""

    async def told() -> list[str] | None:
        subjects = [str(m["Subject"]).strip() for m in mails_to(maildir, address)]
        return subjects if all(any(t.startswith(k) for t in subjects) for k in kinds) else None

    subjects = await eventually(told, timeout=30, what=f"mails of {kinds} to {address}")
    assert invitations_to(maildir, address) == [], subjects


def same_instant(event_start: datetime, at: datetime) -> bool:
    return event_start == at


async def mentee_with_calendar(
    gateway: Gateway,
) -> tuple[str, CalDavCalendar, tuple[uuid.UUID, dict[str, str]]]:
    """A mentee (with an e-mail in their token) whose CalDAV calendar on the stack's Radicale
    is connected through calendar-sync."""
    address = f"mentee-{uuid.uuid4().hex[:12]}@example.org"
    calendar = CalDavCalendar(gateway.caldav_url, user=address.split("@")[0])
    await calendar.create()
    user, who = mentee(gateway, email=address, name="Grace Mentee")
    connected = await gateway.http.post(
        f"{C}/connections",
        json={
            "kind": "caldav",
            "calendar_url": calendar.url,
            "username": calendar.user,
            "password": calendar.password,
        },
        headers=who,
    )
    assert connected.status_code == 201, connected.text
    assert connected.json()["status"] == "active" and "password" not in connected.text
    assert await calendar.events() == []
    return address, calendar, (user, who)


async def test_bookings_reach_calendar_mail_and_feed_exactly_once(gateway: Gateway) -> None:
    mentee_address, calendar, (_, who) = await mentee_with_calendar(gateway)

    # The mentor has no calendar: invitations go by e-mail to the provider's address.
    market = Market(gateway)
    await market.open()
    maildir = gateway.maildir
    slots = await market.slots()
    first = await market.book(who, slots[0].starts_at)
    a_uid = uid_of(first.booking_id)

    events = await calendar_when(
        calendar, lambda found: copies(found, a_uid), "the booking's event in the calendar"
    )
    assert len(events) == 1, events  # exactly one event, ours
    (event,) = events
    assert event.uid == a_uid and event.sequence == 0 and event.status == "CONFIRMED"
    assert same_instant(event.start, first.starts_at), (event, first)
    assert same_instant(event.end, first.ends_at), (event, first)
    assert event.organizer == market.email and mentee_address in event.attendees

    invited = await invitations_when(
        maildir, market.email, lambda found: about(found, a_uid), "the mentor's invitation"
    )
    assert len(invited) == 1, invited
    (invitation,) = invited
    assert invitation.method == "REQUEST" and invitation.content_method == "REQUEST"
    (mailed,) = invitation.events
    assert (mailed.uid, mailed.sequence, mailed.status) == (a_uid, 0, "CONFIRMED")
    assert same_instant(mailed.start, first.starts_at)

    # A second session, which will stay live.
    second = await market.book(who, slots[1].starts_at)
    b_uid = uid_of(second.booking_id)
    events = await calendar_when(
        calendar, lambda found: copies(found, b_uid), "the second booking's event"
    )
    assert sorted(e.uid for e in events) == sorted([a_uid, b_uid]), events
    await invitations_when(
        maildir, market.email, lambda found: about(found, b_uid), "the second invitation"
    )

    # The mentee's private feed lists both live sessions.
    made = await gateway.http.post(f"{C}/feeds", headers=who)
    assert made.status_code == 201, made.text
    token, path = made.json()["token"], made.json()["path"]
    assert path == f"/feeds/{token}.ics"
    assert await feed_uids(gateway, path) == {a_uid, b_uid}

    # The mentee cancels the first session.
    cancelled = await gateway.http.post(
        f"{B}/bookings/{first.booking_id}/cancel",
        json={"reason": "cannot make it"},
        headers=who,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    cancelled_sequence = cancelled.json()["sequence"]
    assert cancelled_sequence > 0

    # CalDAV keeps the event, cancelled, with the booking's higher SEQUENCE (README policy).
    events = await calendar_when(
        calendar,
        lambda found: any(e.uid == a_uid and e.status == "CANCELLED" for e in found),
        "the cancelled event in the calendar",
    )
    assert len(copies(events, a_uid)) == 1, events
    (gone,) = copies(events, a_uid)
    assert gone.sequence == cancelled_sequence > event.sequence, gone
    assert same_instant(gone.start, first.starts_at)
    (live,) = copies(events, b_uid)
    assert (live.status, live.sequence) == ("CONFIRMED", 0), live
    assert len(events) == 2, events

    # The mentor is told by a METHOD:CANCEL mail with that SEQUENCE.
    found = await invitations_when(
        maildir,
        market.email,
        lambda found: any(i.method == "CANCEL" for i in about(found, a_uid)),
        "the mentor's cancellation mail",
    )
    assert [i.method for i in about(found, a_uid)] == ["REQUEST", "CANCEL"], found
    cancel = about(found, a_uid)[1]
    assert cancel.content_method == "CANCEL"
    (mailed,) = cancel.events
    assert (mailed.uid, mailed.sequence) == (a_uid, cancelled_sequence), mailed
    assert [i.method for i in about(found, b_uid)] == ["REQUEST"], found
    assert len(found) == 3, found  # two invitations, one cancellation: nothing else

    # The feed now lists exactly the live session; then it is revoked.
    async def feed_settled() -> bool:
        return await feed_uids(gateway, path) == {b_uid}

    await eventually(feed_settled, what="the feed without the cancelled session")
    _, stranger = mentee(gateway)
    refused = await gateway.http.delete(f"{C}/feeds/{token}", headers=stranger)
    assert refused.status_code == 403, refused.text
    revoked = await gateway.http.delete(f"{C}/feeds/{token}", headers=who)
    assert revoked.status_code == 204, revoked.text
    after = await gateway.http.get(f"{C}{path}")
    assert after.status_code == 404, after.text
    assert after.headers["content-type"].startswith("application/problem+json")

    # The connection is healthy; the mentee (who has a calendar) was told of each change by
    # mail, and none of those mails carries an invitation: the calendar has the event.
    (connection,) = (await gateway.http.get(f"{C}/connections", headers=who)).json()["items"]
    assert connection["status"] == "active" and connection["failures"] == 0, connection
    await assert_told_without_invitations(maildir, mentee_address, ["Confirmed", "Cancelled"])
    # Still exactly one copy per booking in the calendar.
    final = await calendar.events()
    assert sorted((e.uid, e.status) for e in final) == sorted(
        [(a_uid, "CANCELLED"), (b_uid, "CONFIRMED")]
    ), final


async def test_restored_subscription_sessions_get_fresh_events(gateway: Gateway) -> None:
    """Unsubscribe and reactivation, the calendar's half: unsubscribing cancels every
    session's event, reactivating brings each back CONFIRMED with a higher SEQUENCE, still
    one event per session."""
    mentee_address, calendar, user = await mentee_with_calendar(gateway)
    today = datetime.now(ZoneInfo(ZONE)).weekday()
    market = Market(gateway, pattern=[{"weekday": (today + 2) % 7, "time": "10:00"}])
    await market.open()
    sub = Subscriber(gateway, market, user=user)
    await sub.subscribe()
    sessions = await sub.sessions_when(bool, "the first cycle's sessions")
    assert 4 <= len(sessions) <= 5, sessions  # one a week over a month
    uids = {uid_of(b) for b in sessions}

    def states(sequence: int, status: str) -> Any:
        def ok(found: list[Event]) -> bool:
            return {(e.uid, e.sequence, e.status) for e in found} == {
                (u, sequence, status) for u in uids
            }

        return ok

    events = await calendar_when(calendar, states(0, "CONFIRMED"), "the sessions' events")
    assert len(events) == len(uids), events

    gone = await gateway.http.post(
        f"{P}/subscriptions/{sub.subscription_id}/cancel", headers=sub.who
    )
    assert gone.status_code == 200, gone.text
    events = await calendar_when(calendar, states(1, "CANCELLED"), "the events cancelled")
    assert len(events) == len(uids), events

    back = await gateway.http.post(
        f"{P}/subscriptions/{sub.subscription_id}/reactivate", headers=sub.who
    )
    assert back.status_code == 200, back.text
    events = await calendar_when(calendar, states(2, "CONFIRMED"), "the events restored")
    assert len(events) == len(uids), events  # the same events, not new copies

    # The mentor (no calendar) got, per session: the invitation, its cancellation, a new one.
    def all_mailed(found: list[Invitation]) -> bool:
        return len(found) >= 3 * len(uids)

    maildir = gateway.maildir
    found = await invitations_when(maildir, market.email, all_mailed, "the mentor's mails")
    for u in uids:
        mails = about(found, u)
        assert [(i.method, i.events[0].sequence) for i in mails] == [
            ("REQUEST", 0),
            ("CANCEL", 1),
            ("REQUEST", 2),
        ], (u, mails)
    assert len(found) == 3 * len(uids), found
    await assert_told_without_invitations(maildir, mentee_address, ["Confirmed", "Back on"])
