"""Every event attendance publishes is built here, and only here
(libs/contracts/tests/test_catalog_emitters.py): one small builder per event, from the
projection's objects and the time. Callers emit what these return; no builder does I/O.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.sessions import Change, Session
from kairos_contracts import types as ct
from kairos_contracts.events.attendance import (
    AbsenceRecorded,
    AttendanceRecorded,
    MarkedBy,
    MenteeReactivated,
    MenteeReprobated,
    MenteeWarned,
)
from kairos_contracts.types import Actor


def mentee_of(e: Enrollment) -> ct.Person:
    return ct.Person(user_id=e.mentee_user_id, email=e.mentee_email, display_name=e.mentee_name)


def provider_of(e: Enrollment) -> ct.Provider:
    return ct.Provider(
        provider_id=e.provider_id,
        user_id=e.provider_user_id,
        email=e.provider_email,
        display_name=e.provider_name,
    )


def cycle_of(s: Session) -> ct.BillingCycle:
    assert s.cycle_number is not None and s.cycle_starts_at and s.cycle_ends_at
    return ct.BillingCycle(
        number=s.cycle_number, starts_at=s.cycle_starts_at, ends_at=s.cycle_ends_at
    )


# --- marks -----------------------------------------------------------------------------


def _mark_fields(c: Change) -> dict[str, Any]:
    s = c.session
    return {
        "booking_id": s.booking_id,
        "enrollment_id": s.enrollment_id,
        "mentee_id": s.mentee_user_id,
        "provider_id": s.provider_id,
        "session_starts_at": s.starts_at,
        "marked_by": MarkedBy.SYSTEM if c.by == "system" else MarkedBy.MENTOR,
        "marked_by_user_id": c.by_user_id,
        "corrects_previous_mark": c.before is not None,
        "recorded_at": c.at,
    }


def attendance_recorded(c: Change) -> AttendanceRecorded:
    """A mark set or corrected to attended (``c.at``: when)."""
    return AttendanceRecorded(**_mark_fields(c))


def absence_recorded(c: Change, consecutive_absences: int) -> AbsenceRecorded:
    """A mark set or corrected to absent, with its place in its run of absences."""
    return AbsenceRecorded(**_mark_fields(c), consecutive_absences=consecutive_absences)


# --- standing --------------------------------------------------------------------------


def _standing_fields(e: Enrollment) -> dict[str, Any]:
    return {
        "enrollment_id": e.enrollment_id,
        "subscription_id": e.subscription_id,
        "offering_id": e.offering_id,
        "mentee": mentee_of(e),
        "provider": provider_of(e),
    }


def mentee_warned(e: Enrollment, s: Session, at: datetime) -> MenteeWarned:
    """The absence ``s`` opened a run."""
    return MenteeWarned(
        **_standing_fields(e),
        booking_id=s.booking_id,
        consecutive_absences=1,
        warned_at=at,
    )


def mentee_reprobated(
    e: Enrollment, run: tuple[uuid.UUID, ...], last: Session, at: datetime
) -> MenteeReprobated:
    """The run's last absence names the cycle whose remaining sessions booking cancels."""
    return MenteeReprobated(
        **_standing_fields(e),
        cycle=cycle_of(last),
        absent_booking_ids=list(run),
        consecutive_absences=len(run),
        reprobated_at=at,
    )


def mentee_reactivated(
    e: Enrollment,
    latest: Session,
    undoes: datetime,
    by: Actor,
    by_user_id: uuid.UUID,
    at: datetime,
) -> MenteeReactivated:
    """The reprobation of ``undoes`` lifted; ``latest``: the enrollment's latest session
    (its cycle bounds what booking restores)."""
    return MenteeReactivated(
        **_standing_fields(e),
        cycle=cycle_of(latest),
        undoes_reprobated_at=undoes,
        reactivated_by=by,
        reactivated_by_user_id=by_user_id,
        reactivated_at=at,
    )
