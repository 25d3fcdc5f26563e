"""A session's attendance: the mentee joins, the mentor marks, both read the trail."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from kairos_attendance.entrypoints.deps import Ctx, Uow
from kairos_attendance.entrypoints.schemas import (
    AttendanceChangeOut,
    AttendanceIn,
    AttendanceTrail,
    JoinedOut,
    MarkedOut,
    SessionOut,
)
from kairos_attendance.service_layer import marks
from kairos_platform.auth import CurrentUser, MentorOrAdmin
from kairos_platform.pagination import PageQuery, Serial, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["attendance"])

#: the audit trail's sort key: the change's id


@router.post(
    "/sessions/{booking_id}/join",
    responses=problems(
        *AUTHENTICATED,
        403,
        404,
        409,
        422,
        s403="Not your session (`not-owner`).",
        s404="No such session (attendance learns of bookings a moment after they are made).",
        s409="Outside the join window (`too-early` with `opens_at`, `too-late` with "
        "`closed_at`), the session is cancelled (`session-cancelled`), or a request with "
        "this Idempotency-Key is still running.",
    ),
)
async def join(booking_id: uuid.UUID, user: CurrentUser, uow: Uow, ctx: Ctx) -> JoinedOut:
    """The session's mentee joins: inside the window (10 minutes before the start to 15
    after) they are marked attended by the system; the answer carries the meeting room."""
    s = await marks.join(uow, ctx, user, booking_id)
    return JoinedOut.of(s, meeting_url=s.meeting_url)


@router.put(
    "/sessions/{booking_id}/attendance",
    responses=problems(
        *AUTHENTICATED,
        403,
        404,
        409,
        422,
        s403="Not a mentor, or not this session's mentor (`not-owner`).",
        s409="The session is cancelled (`session-cancelled`) or has not started (`not-started`).",
    ),
)
async def mark(
    booking_id: uuid.UUID, body: AttendanceIn, user: MentorOrAdmin, uow: Uow, ctx: Ctx
) -> MarkedOut:
    """The session's mentor (or an admin) marks or corrects its attendance once it started;
    every change is audited. The same mark again changes nothing (``changed`` false)."""
    s, changed = await marks.mark_by_mentor(uow, ctx, user, booking_id, body.attended)
    return MarkedOut.of(s, changed=changed)


@router.get(
    "/sessions/{booking_id}/attendance",
    responses=problems(
        *AUTHENTICATED,
        403,
        404,
        422,
        s403="Neither the session's mentee nor its mentor (`not-owner`).",
    ),
)
async def attendance_of(
    booking_id: uuid.UUID, user: CurrentUser, page: PageQuery, uow: Uow
) -> AttendanceTrail:
    """The session's mark and its audit trail (who, when, before, after, how), oldest
    change first, for the session's mentee and mentor (and admins)."""
    after = page.key(Serial)
    s, changes = await marks.history(
        uow, user, booking_id, after[0] if after else None, page.limit + 1
    )
    trail = page_of(changes, page.limit, lambda c: (c.id,))
    return AttendanceTrail(
        session=SessionOut.of(s),
        items=[AttendanceChangeOut.of(c) for c in trail.items],
        next_cursor=trail.next_cursor,
        has_more=trail.has_more,
    )
