"""Join window and mentor marks through the HTTP app, on real PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kairos_contracts.events.booking import BookingCancelled

from .conftest import Att, Programme, mentee, mentor

pytestmark = pytest.mark.integration


async def test_joining_inside_the_window_marks_attended_by_the_system(att: Att) -> None:
    p = Programme(mentor(), mentee())
    s = p.session(0)
    await att.deliver(s)
    att.clock.now = s.starts_at - timedelta(minutes=9)
    resp = await att.client.post(
        f"/sessions/{s.booking_id}/join", headers=att.auth(p.mentee.user_id)
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["attended"], body["marked_by"], body["meeting_url"]) == (
        True, "system", "https://meet.example.org/abc",
    )  # fmt: skip
    [row] = await att.rows("SELECT attended, marked_by FROM sessions")
    assert (row.attended, row.marked_by) == (True, "system")
    [recorded] = await att.outbox("AttendanceRecorded")
    assert (recorded["booking_id"], recorded["marked_by"]) == (str(s.booking_id), "system")
    # joining again changes nothing and records nothing more
    again = await att.client.post(
        f"/sessions/{s.booking_id}/join", headers=att.auth(p.mentee.user_id)
    )
    assert again.status_code == 200
    assert len(await att.outbox("AttendanceRecorded")) == 1
    assert len(await att.rows("SELECT 1 FROM attendance_audit")) == 1


async def test_joining_outside_the_window_is_refused_with_the_reason(att: Att) -> None:
    p = Programme(mentor(), mentee())
    s = p.session(0)
    await att.deliver(s)
    me = att.auth(p.mentee.user_id)
    att.clock.now = s.starts_at - timedelta(minutes=11)
    early = await att.client.post(f"/sessions/{s.booking_id}/join", headers=me)
    assert early.status_code == 409
    assert early.json()["opens_at"] == (s.starts_at - timedelta(minutes=10)).isoformat()
    assert "Too early" in early.json()["detail"]
    att.clock.now = s.starts_at + timedelta(minutes=16)
    late = await att.client.post(f"/sessions/{s.booking_id}/join", headers=me)
    assert late.status_code == 409
    assert "Too late" in late.json()["detail"]
    assert late.json()["closed_at"] == (s.starts_at + timedelta(minutes=15)).isoformat()
    # someone else's session
    other = await att.client.post(
        f"/sessions/{s.booking_id}/join", headers=att.auth(mentee().user_id)
    )
    assert other.status_code == 403
    assert await att.rows("SELECT 1 FROM sessions WHERE attended IS NOT NULL") == []


async def test_a_cancelled_session_cannot_be_joined(att: Att) -> None:
    p = Programme(mentor(), mentee())
    s = p.session(0)
    await att.deliver(s)
    fields = s.model_dump(exclude={"hold_id", "amount_minor", "currency", "sequence"})
    await att.deliver(
        BookingCancelled(
            **fields, sequence=1, cancelled_by="mentee", reason="by_mentee",
            cancelled_at=s.starts_at - timedelta(days=1), refund_amount_minor=0, currency="EUR",
        )
    )  # fmt: skip
    att.clock.now = s.starts_at
    resp = await att.client.post(
        f"/sessions/{s.booking_id}/join", headers=att.auth(p.mentee.user_id)
    )
    assert resp.status_code == 409
    assert resp.json()["type"].endswith("session-cancelled")


async def test_the_mentor_marks_and_corrects_with_an_audit_trail(att: Att) -> None:
    p = Programme(mentor(), mentee())
    s = p.session(0)
    await att.deliver(s)
    att.clock.now = s.ends_at
    url = f"/sessions/{s.booking_id}/attendance"
    other_mentor = await att.client.put(
        url, json={"attended": False}, headers=att.auth(mentor().user_id, "mentor")
    )
    assert other_mentor.status_code == 403
    as_mentor = att.auth(p.mentor.user_id, "mentor")
    assert (
        await att.client.put(url, json={"attended": False}, headers=as_mentor)
    ).status_code == 200
    att.clock.now += timedelta(hours=1)
    fixed = await att.client.put(url, json={"attended": True}, headers=as_mentor)
    assert fixed.status_code == 200 and fixed.json()["marked_by"] == "mentor"
    audit = await att.rows(
        "SELECT changed_by, changed_by_user_id, before, after FROM attendance_audit ORDER BY id"
    )
    assert [(a.changed_by, a.changed_by_user_id, a.before, a.after) for a in audit] == [
        ("mentor", p.mentor.user_id, None, False),
        ("mentor", p.mentor.user_id, False, True),
    ]
    [standing] = await att.rows("SELECT status, streak, absences FROM standings")
    assert (standing.status, standing.streak, standing.absences) == ("active", 0, 0)
    [recorded] = await att.outbox("AttendanceRecorded")
    assert recorded["corrects_previous_mark"] is True


async def test_a_mentor_cannot_mark_a_session_before_it_starts(att: Att) -> None:
    p = Programme(mentor(), mentee())
    s = p.session(0)
    await att.deliver(s)
    att.clock.now = s.starts_at - timedelta(hours=1)
    resp = await att.client.put(
        f"/sessions/{s.booking_id}/attendance", json={"attended": True},
        headers=att.auth(p.mentor.user_id, "mentor"),
    )  # fmt: skip
    assert resp.status_code == 409


async def test_the_audit_trail_is_read_page_by_page_oldest_first(att: Att) -> None:
    p = Programme(mentor(), mentee())
    s = p.session(0)
    await att.deliver(s)
    att.clock.now = s.ends_at
    url = f"/sessions/{s.booking_id}/attendance"
    as_mentor = att.auth(p.mentor.user_id, "mentor")
    for attended in (True, False, True, False, True):
        att.clock.now += timedelta(minutes=1)
        marked = await att.client.put(url, json={"attended": attended}, headers=as_mentor)
        assert marked.status_code == 200 and marked.json()["changed"] is True, marked.text
    seen, cursor, pages = [], None, 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        resp = await att.client.get(url, params=params, headers=att.auth(p.mentee.user_id))
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["session"]["booking_id"] == str(s.booking_id)
        assert (body["session"]["attended"], body["session"]["marked_by"]) == (True, "mentor")
        seen += [(h["before"], h["after"]) for h in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        assert body["has_more"] is (cursor is not None)
        if cursor is None:
            break
    assert pages == 3
    assert seen == [(None, True), (True, False), (False, True), (True, False), (False, True)]
    # a cursor this list never gave out (another list's key shape) is a 422, not a 500
    from kairos_platform.pagination import encode_cursor

    for foreign in (encode_cursor(["Ana", str(p.enrollment_id)]), encode_cursor([]), "%%%"):
        bad = await att.client.get(
            url, params={"cursor": foreign}, headers=att.auth(p.mentee.user_id)
        )
        assert bad.status_code == 422 and bad.json()["type"].endswith("/bad-cursor"), bad.text


async def test_the_dashboard_pages_by_mentee_name_unnamed_last(att: Att) -> None:
    ada = mentor()
    names = ["Bea", None, "Ana", "Bea", None, "Carl", "Ana"]
    programmes = []
    for name in names:
        who = mentee()
        p = Programme(ada, who.model_copy(update={"display_name": name}))
        await att.deliver(p.session(0))
        programmes.append(p)
    expected = sorted(
        ((p.mentee.display_name, str(p.enrollment_id)) for p in programmes),
        key=lambda row: (row[0] is None, row[0] or "", row[1]),
    )
    got, cursor = [], None
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        resp = await att.client.get(
            "/mentors/me/subscribers", params=params, headers=att.auth(ada.user_id, "mentor")
        )
        assert resp.status_code == 200, resp.text
        got += [(r["mentee"]["display_name"], r["enrollment_id"]) for r in resp.json()["items"]]
        cursor = resp.json()["next_cursor"]
        if cursor is None:
            break
    assert got == expected
