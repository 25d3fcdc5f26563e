"""Events published by the attendance service: marks per session, and mentee standing.

Attendance keeps its own projection of sessions (from the Booking* events). Marks are
keyed by booking, so a mentor's correction follows the system's mark. Standing
(warning, reprobation, reactivation) is keyed by enrollment, so booking never sees a
reactivation before the reprobation it undoes.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import Field

from kairos_contracts.envelope import Event
from kairos_contracts.registry import register
from kairos_contracts.topics import ATTENDANCE_MENTEES, ATTENDANCE_RECORDS
from kairos_contracts.types import Actor, BillingCycle, Person, Provider, UtcDatetime


class MarkedBy(StrEnum):
    """Who recorded attendance: the system (join window, absence sweep) or the mentor."""

    SYSTEM = "system"
    MENTOR = "mentor"


class _RecordEvent(Event):
    TOPIC = ATTENDANCE_RECORDS
    KEY = "booking_id"

    booking_id: uuid.UUID
    enrollment_id: uuid.UUID | None = None
    mentee_id: uuid.UUID
    provider_id: uuid.UUID
    session_starts_at: UtcDatetime
    marked_by: MarkedBy
    marked_by_user_id: uuid.UUID | None = None
    corrects_previous_mark: bool = False
    recorded_at: UtcDatetime


@register
class AttendanceRecorded(_RecordEvent):
    """The mentee attended (joined within the window, or the mentor said so).
    An attended session resets the absence streak."""

    TYPE = "AttendanceRecorded"


@register
class AbsenceRecorded(_RecordEvent):
    """The mentee did not attend. ``consecutive_absences`` is the streak including this
    one (1 for a one-time session, which has no enrollment)."""

    TYPE = "AbsenceRecorded"

    consecutive_absences: int = Field(ge=1)


class _MenteeEvent(Event):
    TOPIC = ATTENDANCE_MENTEES
    KEY = "enrollment_id"

    enrollment_id: uuid.UUID
    subscription_id: uuid.UUID | None = None
    offering_id: uuid.UUID
    mentee: Person
    provider: Provider


@register
class MenteeWarned(_MenteeEvent):
    """First absence of a streak: warning e-mails went to mentee and mentor."""

    TYPE = "MenteeWarned"

    booking_id: uuid.UUID
    consecutive_absences: int = Field(ge=1)
    warned_at: UtcDatetime


@register
class MenteeReprobated(_MenteeEvent):
    """Second consecutive absence: the mentee is reprobated. Booking cancels the
    enrollment's sessions from now until ``cycle.ends_at`` (reason ``reprobated``);
    billing continues."""

    TYPE = "MenteeReprobated"

    cycle: BillingCycle
    absent_booking_ids: list[uuid.UUID] = Field(min_length=1)
    consecutive_absences: int = Field(ge=2)
    reprobated_at: UtcDatetime


@register
class MenteeReactivated(_MenteeEvent):
    """The mentor (or an admin) lifted the reprobation made at ``undoes_reprobated_at``.
    Booking restores the sessions it cancelled as ``reprobated`` at or after that time,
    dated today or later, until ``cycle.ends_at``."""

    TYPE = "MenteeReactivated"

    cycle: BillingCycle
    undoes_reprobated_at: UtcDatetime
    reactivated_by: Actor
    reactivated_by_user_id: uuid.UUID
    reactivated_at: UtcDatetime
