"""HTTP routes of the attendance service: they translate requests into service-layer calls
and its refusals into problem+json, nothing more."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.sessions import Session
from kairos_attendance.service_layer import dashboard, marks, reactivation
from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.errors import NotFound, NotYours, Refused
from kairos_platform.auth import CurrentUser, MentorOrAdmin, ensure_owner
from kairos_platform.ping import ping_router
from kairos_platform.problems import conflict, forbidden, not_found


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attended: bool


@contextmanager
def _problems() -> Iterator[None]:
    try:
        yield
    except NotFound as exc:
        raise not_found(str(exc)) from exc
    except NotYours as exc:
        raise forbidden(str(exc), slug="not-owner") from exc
    except Refused as exc:
        raise conflict(exc.detail, slug=exc.slug, **exc.extensions) from exc


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _session(s: Session) -> dict[str, Any]:
    return {
        "booking_id": str(s.booking_id),
        "title": s.title,
        "status": s.status,
        "starts_at": _iso(s.starts_at),
        "ends_at": _iso(s.ends_at),
        "attended": s.attended,
        "marked_by": s.marked_by,
    }


def _subscriber(e: Enrollment, recent: list[Session]) -> dict[str, Any]:
    return {
        "enrollment_id": str(e.enrollment_id),
        "mentee": {
            "user_id": str(e.mentee_user_id),
            "display_name": e.mentee_name,
            "email": e.mentee_email,
        },
        "status": str(e.status),
        "absences": e.absences,
        "current_streak": e.streak,
        "reprobated_at": _iso(e.reprobated_at),
        "last_sessions": [_session(s) for s in recent],
    }


def _page(ctx: Context, mentor: uuid.UUID, page: int, size: int) -> Any:
    async def run() -> dict[str, Any]:
        got = await dashboard.subscribers(ctx, mentor, page, size)
        return {
            "page": page,
            "page_size": size,
            "total": got.total,
            "items": [_subscriber(e, recent) for e, recent in got.items],
        }

    return run()


Page = Annotated[int, Query(ge=1, le=10_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]


def routers(ctx: Context) -> list[APIRouter]:
    r = APIRouter(tags=["attendance"])

    @r.post("/sessions/{booking_id}/join")
    async def join(booking_id: uuid.UUID, user: CurrentUser) -> dict[str, Any]:
        with _problems():
            s = await marks.join(ctx, user, booking_id)
        return {
            **_session(s),
            "attended": True,
            "marked_by": "system",
            "meeting_url": s.meeting_url,
        }

    @r.put("/sessions/{booking_id}/attendance")
    async def mark(
        booking_id: uuid.UUID, body: AttendanceIn, user: MentorOrAdmin
    ) -> dict[str, Any]:
        with _problems():
            s, changed = await marks.mark_by_mentor(ctx, user, booking_id, body.attended)
        return {
            **_session(s),
            "attended": body.attended,
            "marked_by": "mentor" if changed else s.marked_by,
            "changed": changed,
        }

    @r.get("/sessions/{booking_id}/attendance")
    async def attendance_of(booking_id: uuid.UUID, user: CurrentUser) -> dict[str, Any]:
        """The mark and its audit trail (who, when, before, after, how)."""
        with _problems():
            s, changes = await marks.history(ctx, user, booking_id)
        return {
            **_session(s),
            "history": [
                {
                    **c,
                    "changed_by_user_id": str(c["changed_by_user_id"])
                    if c["changed_by_user_id"]
                    else None,
                    "changed_at": _iso(c["changed_at"]),
                }
                for c in changes
            ],
        }

    @r.get("/mentors/me/subscribers")
    async def my_subscribers(user: MentorOrAdmin, page: Page = 1, page_size: PageSize = 20) -> Any:
        return await _page(ctx, user.user_id, page, page_size)

    @r.get("/mentors/{mentor_id}/subscribers")
    async def subscribers_of(
        mentor_id: uuid.UUID, user: MentorOrAdmin, page: Page = 1, page_size: PageSize = 20
    ) -> Any:
        ensure_owner(user, mentor_id)  # a mentor sees only their own; admins see anyone's
        return await _page(ctx, mentor_id, page, page_size)

    @r.post("/enrollments/{enrollment_id}/reactivate")
    async def reactivate(enrollment_id: uuid.UUID, user: MentorOrAdmin) -> dict[str, Any]:
        with _problems():
            e = await reactivation.reactivate(ctx, user, enrollment_id)
        return {
            "enrollment_id": str(e.enrollment_id),
            "status": str(e.status),
            "reactivated_at": _iso(e.reactivated_at),
        }

    return [r, ping_router(ctx.uow_factory)]
