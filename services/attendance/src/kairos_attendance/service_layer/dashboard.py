"""The mentor dashboard: a mentor's subscribers with their standing and last sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.sessions import Session
from kairos_attendance.service_layer.context import Context

LAST_SESSIONS = 5


@dataclass(frozen=True)
class SubscriberPage:
    total: int
    items: list[tuple[Enrollment, list[Session]]]


async def subscribers(ctx: Context, mentor: uuid.UUID, page: int, size: int) -> SubscriberPage:
    async with ctx.uow_factory() as uow:
        total, enrollments = await uow.standings.page_of(mentor, (page - 1) * size, size)
        recent = await uow.sessions.recent_of(
            [e.enrollment_id for e in enrollments], ctx.clock(), LAST_SESSIONS
        )
    return SubscriberPage(total, [(e, recent.get(e.enrollment_id, [])) for e in enrollments])
