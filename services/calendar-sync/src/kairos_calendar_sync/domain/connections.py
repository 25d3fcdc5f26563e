"""A user's connected calendar and the state of one booking in it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    CALDAV = "caldav"
    GOOGLE = "google"


class ConnectionStatus(StrEnum):
    ACTIVE = "active"
    BROKEN = "broken"


@dataclass(frozen=True)
class Connection:
    connection_id: uuid.UUID
    user_id: uuid.UUID
    kind: Kind
    calendar_url: str
    secret: bytes
    status: ConnectionStatus = ConnectionStatus.ACTIVE
    failures: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_synced_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Entry:
    """One booking in one connected calendar: wanted state and last written state."""

    booking_id: uuid.UUID
    connection_id: uuid.UUID
    user_id: uuid.UUID
    ical_uid: str
    desired_sequence: int
    desired_status: str
    synced_sequence: int | None = None
    synced_status: str | None = None
    pending: bool = True
    href: str | None = None
    etag: str | None = None
    external_id: str | None = None
    attempts: int = 0
