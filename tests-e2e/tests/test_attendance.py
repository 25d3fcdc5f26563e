"""Attendance end to end, through the gateway: joining in the window, the mentor's
marks, the sweep's absences, warning and reprobation mails, the reprobated sessions
cancelled in booking, the mentor dashboard, and the mentor's reactivation bringing them back.

Sessions can only be booked in the future, and attendance only acts on sessions that started
or ended. So this module runs a stack of its own whose attendance service lives two days
ahead (``ATTENDANCE_CLOCK_OFFSET_S``, like Stripe's test clocks) and sweeps every second:
to it, sessions booked for today and tomorrow are over, and one booked two days from now,
five minutes before this hour, started five minutes ago. Everything else runs on real time.
Late in Madrid's evening, three hours less than two days (see ``_ahead``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from kairos_client.api.attendance import (
    attendance_attendance_of,
    attendance_join,
    attendance_mark,
    attendance_my_subscribers,
    attendance_reactivate,
)
from kairos_client.api.booking import (
    booking_get_offering,
    booking_set_weekly,
    booking_update_offering,
)
from kairos_client.models import AttendanceIn, JoinedOut, MarkedOut, OfferingPatch, SubscriberOut

from kairos_e2e.client import Answer, Gateway, answer, eventually
from kairos_e2e.market import ZONE, Market, Subscriber, Who, mentee, weekly
from kairos_e2e.observe import mails_to
from kairos_e2e.web import failure, run_playwright
from kairos_localstack.stack import temporary_stack

pytestmark = pytest.mark.e2e
A = "/api/attendance"


def _ahead(now: datetime) -> timedelta:
    """How far ahead attendance's clock runs: two days, or three hours less when two days
    from now is late in the evening or just past midnight in Madrid. A session that started
    five minutes before attendance's now then ends on the day it began: a weekly window
    cannot run past midnight (the join test failed from 23:05 to 00:05 there)."""
    local = (now + timedelta(days=2)).astimezone(ZoneInfo(ZONE))
    late = local.hour >= 22 or local.hour < 1
    return timedelta(days=2) - (timedelta(hours=3) if late else timedelta(0))


@pytest.fixture(scope="module")
def ahead() -> timedelta:
    return _ahead(datetime.now(UTC))


@pytest.fixture(scope="module")
def ahead_stack(ahead: timedelta) -> Iterator[Any]:
    env = {"ATTENDANCE_CLOCK_OFFSET_S": str(ahead.total_seconds()), "SWEEP_INTERVAL_S": "1"}
    with temporary_stack("kairos-ahead-", env) as state:
        yield state


@pytest.fixture
async def gw(ahead_stack: Any) -> AsyncIterator[Gateway]:
    gateway = Gateway(
        ahead_stack.gateway_url, Path(ahead_stack.data_dir), endpoints=ahead_stack.endpoints
    )
    yield gateway
    await gateway.aclose()


def _local(at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(ZONE))


async def _open_at(market: Market, start: datetime, minutes: int) -> None:
    """Open ``market`` and make its provider available only from ``start`` (local wall time,
    to the minute) for ``minutes``: a one-time offering then has exactly that slot."""
    await market.open()
    local = _local(start)
    end = local + timedelta(minutes=minutes)
    hours = weekly([{"weekday": local.weekday(), "start": f"{local:%H:%M}", "end": f"{end:%H:%M}"}])
    resp = await answer(
        booking_set_weekly.asyncio_detailed(
            market.provider_id, client=market.gw.api(market.mentor), body=hours
        )
    )
    assert resp.status_code == 204, resp.text


async def _session_known(gw: Gateway, who: Who, booking_id: uuid.UUID) -> Answer[JoinedOut]:
    """Join until attendance has heard of the booking (it travels by event)."""

    async def probe() -> Answer[JoinedOut] | None:
        resp = await answer(attendance_join.asyncio_detailed(booking_id, client=gw.api(who)))
        return None if resp.status_code == 404 else resp

    return await eventually(probe, timeout=30, what="attendance's copy of the session")


def test_attendances_clock_keeps_a_started_session_within_its_day() -> None:
    """Whatever the hour, a 60-minute session that started five minutes before
    attendance's now ends on the day it began (in Madrid)."""
    day = datetime(2026, 12, 7, tzinfo=ZoneInfo(ZONE))
    for minutes in range(0, 24 * 60, 5):
        now = (day + timedelta(minutes=minutes)).astimezone(UTC)
        start = _local(now + _ahead(now) - timedelta(minutes=5))
        assert start.date() == (start + timedelta(minutes=60)).date(), start


async def test_join_in_the_window_then_the_mentor_corrects_it(
    gw: Gateway, ahead: timedelta
) -> None:
    # A 60-minute slot that (to attendance) started five minutes ago.
    start = (datetime.now(UTC) + ahead - timedelta(minutes=5)).replace(second=0, microsecond=0)
    market = Market(gw)
    await _open_at(market, start, 60)
    room = f"https://meet.example.org/{uuid.uuid4().hex[:8]}"
    patched = await answer(
        booking_update_offering.asyncio_detailed(
            market.offering_id,
            client=gw.api(market.mentor),
            body=OfferingPatch(meeting_url=room),
        )
    )
    assert patched.status_code == 200 and patched.model.meeting_url == room, patched.text
    public = await answer(
        booking_get_offering.asyncio_detailed(market.offering_id, client=gw.public)
    )
    assert public.status_code == 200 and public.model.meeting_url is None  # booked ones only
    slots = [s.starts_at for s in await market.slots(_local(start).date())]
    assert slots == [start], slots
    _, who = mentee(gw, email=f"mentee-{uuid.uuid4().hex[:8]}@example.org")
    booked = await market.book(who, slots[0])
    booking_id = booked.booking_id

    joined = await _session_known(gw, who, booking_id)
    assert joined.status_code == 200, joined.text
    body = joined.model
    assert (body.attended, body.marked_by) == (True, "system")
    assert body.booking_id == booking_id and body.meeting_url == room

    # Another mentee may not join it; another mentor may not mark it.
    _, stranger = mentee(gw)
    foreign = await answer(attendance_join.asyncio_detailed(booking_id, client=gw.api(stranger)))
    assert foreign.status_code == 403, foreign.text
    other = gw.as_user("mentor", user_id=uuid.uuid4())

    async def mark(who: Who, attended: bool) -> Answer[MarkedOut]:
        body = AttendanceIn(attended=attended)
        return await answer(
            attendance_mark.asyncio_detailed(booking_id, client=gw.api(who), body=body)
        )

    assert (await mark(other, False)).status_code == 403

    # The session's mentor corrects the mark; the same mark again changes nothing.
    corrected = await mark(market.mentor, False)
    assert corrected.status_code == 200, corrected.text
    assert (corrected.model.attended, corrected.model.marked_by) == (False, "mentor")
    assert corrected.model.changed is True
    again = await mark(market.mentor, False)
    assert again.status_code == 200 and again.model.changed is False
    # Every change is kept: who, when, before, after, how; readable by mentee and mentor.
    trail = await answer(attendance_attendance_of.asyncio_detailed(booking_id, client=gw.api(who)))
    assert trail.status_code == 200, trail.text
    history = trail.model.items
    assert [(h.source, h.changed_by, h.before, h.after) for h in history] == [
        ("join", "system", None, True),
        ("mentor", "mentor", True, False),
    ], history
    assert history[1].changed_by_user_id == market.mentor_id
    foreign_trail = attendance_attendance_of.asyncio_detailed(booking_id, client=gw.api(stranger))
    assert (await answer(foreign_trail)).status_code == 403
    # A body the document refuses cannot be built with the typed client: sent as raw JSON.
    put = f"{A}/sessions/{booking_id}/attendance"
    bad = await gw.http.put(put, json={"attended": "maybe"}, headers=market.mentor)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


async def test_two_missed_sessions_reprobate_and_the_mentor_reactivates(
    gw: Gateway, ahead: timedelta
) -> None:
    # A daily programme at (now + 5 min): today's and tomorrow's sessions are over for
    # attendance, the one two days from now has not started.
    at = _local(datetime.now(UTC) + timedelta(minutes=5))
    pattern = [{"weekday": d, "time": f"{at:%H:%M}"} for d in range(7)]
    market = Market(gw, pattern=pattern, title="Daily practice")
    await market.open()
    week = weekly([{"weekday": d, "start": "00:00", "end": "23:59"} for d in range(7)])
    hours = await answer(
        booking_set_weekly.asyncio_detailed(
            market.provider_id, client=gw.api(market.mentor), body=week
        )
    )
    assert hours.status_code == 204, hours.text
    address = f"mentee-{uuid.uuid4().hex[:8]}@example.org"
    mia = mentee(gw, email=address, name="Mia Mentee")
    # Mia reads her mail in Tokyo, in Spanish: chosen at calendar-sync, which tells
    # attendance (MailPreferencesChanged) long before the sweep finds her absences
    prefs = {"time_zone": "Asia/Tokyo", "locale": "es-ES", "unsubscribed": []}
    chosen = await gw.http.put("/api/calendar/me/mail-preferences", json=prefs, headers=mia[1])
    assert chosen.status_code == 200, chosen.text
    sub = Subscriber(gw, market, mia)
    await sub.subscribe()
    sessions = await sub.sessions_when(lambda s: len(s) >= 28, "the first cycle's sessions")
    by_start = sorted(sessions.values(), key=lambda b: b.starts_at)
    first_two = {b.booking_id for b in by_start[:2]}
    reprobation_time = datetime.now(UTC) + ahead  # attendance's now, roughly

    # The sweep marks the two past sessions absent: a warning, then the reprobation, which
    # booking carries out by cancelling every later session of the cycle (reason reprobated).
    later = {b.booking_id for b in by_start if b.starts_at > reprobation_time}
    assert len(later) >= 26, len(later)
    gone = await sub.sessions_when(
        lambda s: all(s[b].status == "cancelled" for b in later), "the reprobation in booking"
    )
    assert {gone[b].cancel_reason for b in later} == {"reprobated"}
    assert {gone[b].status for b in first_two} == {"confirmed"}  # missed, not cancelled

    # The mentor's dashboard: two absences, reprobated; nobody else's dashboard shows it.
    row = await _dashboard_row(gw, market.mentor, sub.user_id)
    assert (row.status, row.absences) == ("reprobated", 2), row
    assert row.reprobated_at is not None
    missed = {s.booking_id: s for s in row.last_sessions if s.booking_id in first_two}
    assert all(s.attended is False and s.marked_by == "system" for s in missed.values())

    # Mails: a warning and a reprobation notice, to the mentee and to the mentor, once each.
    subjects = await eventually(
        lambda: _subjects_when(gw, address, 2), timeout=30, what="the mentee's two notices"
    )
    assert any(s.startswith("You missed a session") for s in subjects), subjects
    assert any("suspended" in s for s in subjects), subjects
    [warning] = [m for m in mails_to(gw.maildir, address) if "missed a session" in m["Subject"]]
    plain = warning.get_body(("plain",))
    assert plain is not None, warning
    text = str(plain.get_content())
    # her zone and locale, the mentor's zone beside ("... (Asia/Tokyo) — ... in Europe/Madrid")
    assert "(Asia/Tokyo) \u2014 " in text and f"in {ZONE}, the mentor's time" in text, text
    assert " de 20" in text, text  # a Spanish date ("lunes, 7 de diciembre de 2026")
    mentor_subjects = await eventually(
        lambda: _subjects_when(gw, market.email, 2), timeout=30, what="the mentor's notices"
    )
    assert "Mia Mentee missed a session: Daily practice" in mentor_subjects, mentor_subjects
    assert "Mia Mentee is reprobated: Daily practice" in mentor_subjects, mentor_subjects

    # Only that mentor (or an admin) may reactivate; to another mentor it does not exist.
    enrollment = row.enrollment_id
    other = gw.as_user("mentor", user_id=uuid.uuid4())
    refused = await answer(attendance_reactivate.asyncio_detailed(enrollment, client=gw.api(other)))
    assert refused.status_code == 404, refused.text
    done = await answer(
        attendance_reactivate.asyncio_detailed(enrollment, client=gw.api(market.mentor))
    )
    assert done.status_code == 200, done.text
    assert done.model.status == "active"

    # Booking brings the cancelled sessions back; the mentee is told.
    back = await sub.sessions_when(
        lambda s: all(s[b].status == "confirmed" for b in later), "the sessions restored"
    )
    assert {back[b].sequence for b in later} == {2}  # cancelled (1), then restored (2)
    subjects = await eventually(
        lambda: _subjects_when(gw, address, 3), timeout=30, what="the reactivation mail"
    )
    assert any(s.startswith("You are back in") for s in subjects), subjects
    assert len(subjects) == 3, subjects  # warning, reprobation, reactivation: once each


async def _dashboard_row(gw: Gateway, mentor: Who, user: uuid.UUID) -> SubscriberOut:
    seen: list[Any] = []

    async def probe() -> SubscriberOut | None:
        resp = await answer(attendance_my_subscribers.asyncio_detailed(client=gw.api(mentor)))
        assert resp.status_code == 200, resp.text
        seen[:] = [resp.text]
        rows = [r for r in resp.model.items if r.mentee.user_id == user]
        return rows[0] if rows and rows[0].status == "reprobated" else None

    try:
        return await eventually(probe, timeout=30, what="the dashboard row")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the dashboard said {seen}") from None


def _is_notice(m: Any) -> bool:
    """One of attendance's account notices (its footer), not calendar-sync's invitations,
    confirmations or receipts."""
    if m.get_content_type().startswith("multipart/mixed"):
        return False
    body = m.get_body(("plain",))
    return body is not None and "These notices cannot be switched off" in body.get_content()


async def _subjects_when(gw: Gateway, address: str, n: int) -> list[str] | None:
    """Attendance's notices to ``address`` (calendar-sync's mails left out)."""
    subjects = [str(m["Subject"]).strip() for m in mails_to(gw.maildir, address) if _is_notice(m)]
    return subjects if len(subjects) >= n else None


@pytest.mark.timeout(360)
def test_the_mentor_dashboard_in_a_browser(ahead_stack: Any) -> None:
    """The same flow in the web app (``web/tests/dashboard.spec.ts``, tagged
    ``@ahead-clock``), in Chromium against this module's stack: a mentee subscribes, the
    sweep reprobates them for tomorrow's missed sessions, the mentor corrects a mark (the
    dashboard's absences change) and reactivates them."""
    run = run_playwright(ahead_stack, suite="ahead-clock", timeout_s=300)
    assert run.returncode == 0, failure(run, suite="ahead-clock")
