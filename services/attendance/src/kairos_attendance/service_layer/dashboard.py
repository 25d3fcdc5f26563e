"""The mentor dashboard: a mentor's subscribers with their standing and last sessions."""

from __future__ import annotations

import uuid

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.sessions import Session
from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.ports import AttendanceUow
from kairos_platform.auth import Principal, is_admin
from kairos_platform.refusals import Forbidden

LAST_SESSIONS = 5


async def subscribers(
    uow: AttendanceUow,
    ctx: Context,
    caller: Principal,
    mentor: uuid.UUID,
    after: tuple[str | None, uuid.UUID] | None,
    limit: int,
) -> list[tuple[Enrollment, list[Session]]]:
    """Up to ``limit`` of the mentor's subscribers after the key ``after`` (mentee name,
    enrollment id), each with their last sessions (newest first): the caller's own, or
    any mentor's for an admin."""
    if mentor != caller.user_id and not is_admin(caller):
        raise Forbidden("This belongs to someone else.", slug="not-owner")
    enrollments = await uow.standings.subscribers_of(mentor, after, limit)
    recent = await uow.sessions.recent_of(
        [e.enrollment_id for e in enrollments], uow.now(), LAST_SESSIONS
    )
    return [(e, recent.get(e.enrollment_id, [])) for e in enrollments]
