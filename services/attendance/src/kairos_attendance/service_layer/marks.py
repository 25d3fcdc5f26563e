"""Marks: a mentee's join inside the window, a mentor's mark or correction, and what every
change of a mark causes (audit row, AttendanceRecorded/AbsenceRecorded, the rules)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from kairos_attendance.domain.sessions import AuditEntry, Change, Session
from kairos_attendance.domain.window import JoinRefusal
from kairos_attendance.service_layer import outgoing
from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.ports import AttendanceUow
from kairos_attendance.service_layer.rules import evaluate
from kairos_contracts import Event
from kairos_platform.auth import Principal, is_admin
from kairos_platform.refusals import Conflict, Forbidden, NotFound


async def record(
    uow: AttendanceUow, changes: Sequence[Change], now: datetime, app_url: str
) -> None:
    """In the caller's transaction: audit each change, apply the rules, announce the marks."""
    await uow.sessions.audit(changes)
    enrollments = sorted({c.session.enrollment_id for c in changes if c.session.enrollment_id})
    # the changed sessions carry their new mark: the rules need not read them again
    known = {c.session.booking_id: c.session for c in changes}
    outcome = await evaluate(uow, enrollments, now, app_url, known)
    events: list[Event] = []
    for c in changes:
        if c.after:
            events.append(outgoing.attendance_recorded(c))
        else:
            streak = outcome.positions.get(c.session.booking_id, 1)
            events.append(outgoing.absence_recorded(c, streak))
    uow.emit_many(events)  # a sweep batch: thousands, one outbox statement


def _refusal(ctx: Context, s: Session, why: JoinRefusal) -> Conflict:
    w = ctx.settings.window
    if why is JoinRefusal.CANCELLED:
        return Conflict(
            "This session is cancelled; there is nothing to join.", slug="session-cancelled"
        )
    if why is JoinRefusal.TOO_EARLY:
        opens = w.opens_at(s.starts_at).isoformat()
        return Conflict(
            f"Too early: the join window opens at {opens}.", slug="too-early", opens_at=opens
        )
    closes = w.closes_at(s.starts_at).isoformat()
    return Conflict(
        f"Too late: the join window closed at {closes}.", slug="too-late", closed_at=closes
    )


async def _session(uow: AttendanceUow, booking_id: uuid.UUID, *, lock: bool) -> Session:
    s = await uow.sessions.get(booking_id, lock=lock)
    if s is None:
        raise NotFound("No such session.")
    return s


async def history(
    uow: AttendanceUow,
    caller: Principal,
    booking_id: uuid.UUID,
    after: int | None,
    limit: int,
) -> tuple[Session, list[AuditEntry]]:
    """The session's mark and its changes after the change ``after``, oldest first (up to
    ``limit``), for its mentee, its mentor or an admin."""
    s = await _session(uow, booking_id, lock=False)
    if caller.user_id not in (s.mentee_user_id, s.provider_user_id) and not is_admin(caller):
        raise Forbidden(
            "Only the session's mentee or mentor can read its attendance.", slug="not-owner"
        )
    return s, await uow.sessions.history(booking_id, after, limit)


async def join(
    uow: AttendanceUow, ctx: Context, caller: Principal, booking_id: uuid.UUID
) -> Session:
    """The mentee joins: inside the window they are marked attended by the system. The
    session as it stands after (joining twice changes nothing more)."""
    now = uow.now()
    s = await _session(uow, booking_id, lock=True)
    if s.mentee_user_id != caller.user_id:
        raise Forbidden("Only the session's mentee can join it.", slug="not-owner")
    why = ctx.settings.window.refusal(s.starts_at, now, cancelled=s.cancelled)
    if why is not None:
        raise _refusal(ctx, s, why)
    if s.attended is True:
        return s
    await uow.sessions.mark(booking_id, True, "system", None, now)
    change = Change(s, s.attended, True, "system", None, "join", now)
    await record(uow, [change], now, ctx.settings.app_url)
    await uow.commit()
    return replace(s, attended=True, marked_by="system", marked_by_user_id=None, marked_at=now)


async def mark_by_mentor(
    uow: AttendanceUow,
    ctx: Context,
    caller: Principal,
    booking_id: uuid.UUID,
    attended: bool,
) -> tuple[Session, bool]:
    """The session's mentor (or an admin) marks or corrects attendance once it started.
    The session as it stands after, and whether the mark changed."""
    now = uow.now()
    s = await _session(uow, booking_id, lock=True)
    admin = is_admin(caller)
    if not admin and s.provider_user_id != caller.user_id:
        raise Forbidden("Only the session's mentor can mark its attendance.", slug="not-owner")
    if s.cancelled:
        raise Conflict(
            "This session is cancelled; attendance cannot be marked.", slug="session-cancelled"
        )
    if now < s.starts_at:
        raise Conflict(
            f"This session starts at {s.starts_at.isoformat()}; mark it once it started.",
            slug="not-started",
        )
    if s.attended is attended:
        return s, False  # same mark again: nothing changes, nothing is audited
    by = "admin" if admin and s.provider_user_id != caller.user_id else "mentor"
    await uow.sessions.mark(booking_id, attended, by, caller.user_id, now)
    change = Change(s, s.attended, attended, by, caller.user_id, "mentor", now)
    await record(uow, [change], now, ctx.settings.app_url)
    await uow.commit()
    marked = replace(s, attended=attended, marked_by=by, marked_by_user_id=caller.user_id)
    return replace(marked, marked_at=now), True
