"""What attendance's routes read and answer: one pydantic model per body, built from the
domain's objects (``Out.of(...)``), each with an example for the API documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.sessions import AuditEntry, Session
from kairos_attendance.domain.streaks import Standing
from kairos_platform.pagination import Page

_BOOKING = "7d3f4a52-2a8e-4c55-9a53-6f1f0c1d2e3b"
_MENTOR = "0b6f1c4e-5d7a-4e2b-8f3c-9a1d2e3f4a5b"
_MENTEE = "c2a1e0f9-8b7c-4d6e-a5f4-3b2c1d0e9f8a"
_ENROLLMENT = "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170"

MarkedBy = Literal["system", "mentor", "admin"]


class AttendanceIn(BaseModel):
    """The mark a mentor gives (or corrects) once the session started."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"attended": True}]})

    attended: bool


_SESSION_EXAMPLE: dict[str, JsonValue] = {
    "booking_id": _BOOKING,
    "title": "Weekly mentoring",
    "status": "confirmed",
    "starts_at": "2030-01-07T17:00:00Z",
    "ends_at": "2030-01-07T18:00:00Z",
    "attended": True,
    "marked_by": "system",
}


class SessionOut(BaseModel):
    """A booked session as attendance knows it, with its mark."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SESSION_EXAMPLE]})

    booking_id: uuid.UUID
    title: str
    status: Literal["confirmed", "cancelled"]
    starts_at: datetime
    ends_at: datetime
    attended: bool | None = Field(description="null until someone (or the sweep) marks it")
    marked_by: MarkedBy | None = Field(
        description="system (a join inside the window, or the absence sweep), mentor, admin"
    )

    @classmethod
    def of(cls, s: Session, **more: object) -> Self:
        """From the session, plus the members a subclass adds (``more``)."""
        return cls.model_validate(
            {
                "booking_id": s.booking_id,
                "title": s.title,
                "status": s.status,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "attended": s.attended,
                "marked_by": s.marked_by,
                **more,
            }
        )


class JoinedOut(SessionOut):
    """The session joined: attended, and where to meet."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**_SESSION_EXAMPLE, "meeting_url": "https://meet.example.org/abc"}]
        }
    )

    meeting_url: str | None = Field(description="The offering's meeting room, if it has one.")


class MarkedOut(SessionOut):
    """The session after a mentor's mark; ``changed`` is false for the same mark again."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {**_SESSION_EXAMPLE, "attended": False, "marked_by": "mentor", "changed": True}
            ]
        }
    )

    changed: bool


class AttendanceChangeOut(BaseModel):
    """One change of a session's mark: who, when, from what to what, and how."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "changed_by": "mentor",
                    "changed_by_user_id": _MENTOR,
                    "changed_at": "2030-01-07T18:05:00Z",
                    "before": True,
                    "after": False,
                    "source": "mentor",
                }
            ]
        }
    )

    changed_by: MarkedBy
    changed_by_user_id: uuid.UUID | None = Field(description="null for the system")
    changed_at: datetime
    before: bool | None = Field(description="null: it was not marked")
    after: bool
    source: Literal["join", "sweep", "mentor"]

    @classmethod
    def of(cls, e: AuditEntry) -> Self:
        return cls.model_validate(
            {
                "changed_by": e.changed_by,
                "changed_by_user_id": e.changed_by_user_id,
                "changed_at": e.changed_at,
                "before": e.before,
                "after": e.after,
                "source": e.source,
            }
        )


class AttendanceTrail(Page[AttendanceChangeOut]):
    """The session with its mark, and one page of the mark's changes, oldest first."""

    session: SessionOut


class MenteeOut(BaseModel):
    user_id: uuid.UUID
    display_name: str | None
    email: str | None


class SubscriberOut(BaseModel):
    """One subscriber of a mentor: their standing and their last sessions (newest first)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "enrollment_id": _ENROLLMENT,
                    "mentee": {
                        "user_id": _MENTEE,
                        "display_name": "Ana",
                        "email": "ana@example.org",
                    },
                    "status": "warned",
                    "absences": 1,
                    "current_streak": 1,
                    "reprobated_at": None,
                    "last_sessions": [
                        {**_SESSION_EXAMPLE, "attended": False, "marked_by": "system"}
                    ],
                }
            ]
        }
    )

    enrollment_id: uuid.UUID
    mentee: MenteeOut
    status: Standing
    absences: int = Field(description="Absences in this enrollment, ever.")
    current_streak: int = Field(description="Absences in a row, now.")
    reprobated_at: datetime | None = Field(description="The reprobation in force, if any.")
    last_sessions: list[SessionOut]

    @classmethod
    def of(cls, e: Enrollment, recent: list[Session]) -> Self:
        return cls(
            enrollment_id=e.enrollment_id,
            mentee=MenteeOut(
                user_id=e.mentee_user_id, display_name=e.mentee_name, email=e.mentee_email
            ),
            status=e.status,
            absences=e.absences,
            current_streak=e.streak,
            reprobated_at=e.reprobated_at,
            last_sessions=[SessionOut.of(s) for s in recent],
        )


class SubscribersPage(Page[SubscriberOut]):
    """One page of a mentor's subscribers, by mentee name (unnamed last)."""


class ReactivatedOut(BaseModel):
    """The enrollment back in standing."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "enrollment_id": _ENROLLMENT,
                    "status": "active",
                    "reactivated_at": "2030-01-20T09:30:00Z",
                }
            ]
        }
    )

    enrollment_id: uuid.UUID
    status: Standing
    reactivated_at: datetime

    @classmethod
    def of(cls, e: Enrollment) -> Self:
        if e.reactivated_at is None:
            raise ValueError(f"enrollment {e.enrollment_id} was never reactivated")
        return cls(enrollment_id=e.enrollment_id, status=e.status, reactivated_at=e.reactivated_at)
