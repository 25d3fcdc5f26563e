"""A mentee's standing in one enrollment, as attendance keeps it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from kairos_attendance.domain.streaks import Standing


@dataclass
class Enrollment:
    enrollment_id: uuid.UUID
    offering_id: uuid.UUID
    provider_id: uuid.UUID
    provider_user_id: uuid.UUID
    mentee_user_id: uuid.UUID
    subscription_id: uuid.UUID | None = None
    provider_email: str | None = None
    provider_name: str | None = None
    mentee_email: str | None = None
    mentee_name: str | None = None
    status: Standing = Standing.ACTIVE
    streak: int = 0
    absences: int = 0
    #: the reprobation in force (None: not reprobated); a reactivation names it
    reprobated_at: datetime | None = None
    #: the last reactivation: runs of absences start again after it
    reactivated_at: datetime | None = None

    @property
    def reprobated(self) -> bool:
        return self.reprobated_at is not None
