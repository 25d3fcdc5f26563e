"""A session as attendance sees it: booking's booking, learned from its events, plus the
mark that attendance owns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Session:
    booking_id: uuid.UUID
    sequence: int
    status: str  # confirmed | cancelled
    offering_id: uuid.UUID
    title: str
    provider_id: uuid.UUID
    provider_user_id: uuid.UUID
    mentee_user_id: uuid.UUID
    time_zone: str
    starts_at: datetime
    ends_at: datetime
    cancel_reason: str | None = None
    enrollment_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    provider_email: str | None = None
    provider_name: str | None = None
    mentee_email: str | None = None
    mentee_name: str | None = None
    meeting_url: str | None = None
    cycle_number: int | None = None
    cycle_starts_at: datetime | None = None
    cycle_ends_at: datetime | None = None
    attended: bool | None = None
    marked_by: str | None = None
    marked_by_user_id: uuid.UUID | None = None
    marked_at: datetime | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class Change:
    """One mark set or changed: what the audit keeps and the events announce."""

    session: Session
    before: bool | None
    after: bool
    by: str  # system | mentor | admin
    by_user_id: uuid.UUID | None
    source: str  # join | sweep | mentor
    at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One change of a session's mark as the audit keeps it (``id`` orders them)."""

    id: int
    changed_by: str  # system | mentor | admin
    changed_by_user_id: uuid.UUID | None
    changed_at: datetime
    before: bool | None
    after: bool
    source: str  # join | sweep | mentor


#: the projection's columns that booking's events own (the mark columns are ours)
BOOKING_FIELDS = (
    "sequence", "status", "cancel_reason", "enrollment_id", "subscription_id", "offering_id",
    "title", "provider_id", "provider_user_id", "provider_email", "provider_name",
    "mentee_user_id", "mentee_email", "mentee_name", "time_zone", "starts_at", "ends_at",
    "meeting_url", "cycle_number", "cycle_starts_at", "cycle_ends_at",
)  # fmt: skip
