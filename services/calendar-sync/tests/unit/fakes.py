"""In-memory repositories for the projection's decisions (no database, no calendars)."""

from __future__ import annotations

import uuid
from typing import Any

from kairos_calendar_sync.domain.bookings import Booking, is_newer
from kairos_calendar_sync.domain.connections import Connection
from kairos_platform.testing import FakeUnitOfWork


class FakeBookings:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Booking] = {}

    async def apply(self, b: Booking) -> bool:
        current = self.rows.get(b.booking_id)
        if not is_newer(b.sequence, current.sequence if current else None):
            return False
        self.rows[b.booking_id] = b
        return True


class FakeConnections:
    def __init__(self) -> None:
        self.rows: list[Connection] = []

    async def for_users(self, user_ids: list[uuid.UUID]) -> list[Connection]:
        return [c for c in self.rows if c.user_id in user_ids]


class FakeEntries:
    def __init__(self) -> None:
        self.desired: dict[tuple[uuid.UUID, uuid.UUID], tuple[int, str]] = {}

    async def want(self, b: Booking, connection_id: uuid.UUID, user_id: uuid.UUID) -> None:
        key = (b.booking_id, connection_id)
        if key not in self.desired or self.desired[key][0] < b.sequence:
            self.desired[key] = (b.sequence, b.status.value)


class FakeMails:
    def __init__(self) -> None:
        self.rows: dict[tuple[Any, ...], dict[str, Any]] = {}

    async def add(self, **values: Any) -> None:
        key = (values["booking_id"], values["sequence"], values["recipient"], values["method"])
        self.rows.setdefault(key, values)


class FakeCalendarUow(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__("calendar-sync")
        self.bookings = FakeBookings()
        self.connections = FakeConnections()
        self.entries = FakeEntries()
        self.mails = FakeMails()
