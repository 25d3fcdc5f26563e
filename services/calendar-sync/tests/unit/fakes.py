"""In-memory repositories for the projection's decisions (no database, no calendars)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace

from kairos_calendar_sync.adapters.mail_repository import NewMail
from kairos_calendar_sync.domain.bookings import Booking, is_newer
from kairos_calendar_sync.domain.connections import Connection
from kairos_calendar_sync.domain.mails import MailKind
from kairos_calendar_sync.domain.people import Person
from kairos_calendar_sync.domain.reminders import PlannedReminder
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
        self.rows: dict[str, NewMail] = {}
        self.sent: set[str] = set()

    async def add(self, mail: NewMail) -> None:
        await self.add_many([mail])

    async def add_many(self, mails: Iterable[NewMail]) -> None:
        for m in mails:
            self.rows.setdefault(m.mail_key, m)

    async def drop_unsent(self, booking_id: uuid.UUID, kinds: Iterable[MailKind]) -> int:
        gone = [
            k
            for k, m in self.rows.items()
            if m.booking_id == booking_id and m.kind in set(kinds) and k not in self.sent
        ]
        for k in gone:
            del self.rows[k]
        return len(gone)


class FakePeople:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Person] = {}

    async def learn(self, user_id: uuid.UUID, email: str | None, name: str | None) -> None:
        p = self.rows.get(user_id, Person(user_id))
        self.rows[user_id] = replace(p, email=email or p.email, name=name or p.name)

    async def get(self, user_id: uuid.UUID) -> Person | None:
        return self.rows.get(user_id)

    async def many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
        return {i: self.rows[i] for i in ids if i in self.rows}


class FakeReminders:
    def __init__(self) -> None:
        self.rows: dict[tuple[uuid.UUID, uuid.UUID, int], PlannedReminder] = {}
        self.queued: set[tuple[uuid.UUID, uuid.UUID, int]] = set()

    async def plan(self, booking_id: uuid.UUID, planned: Sequence[PlannedReminder]) -> None:
        for k in [k for k in self.rows if k[0] == booking_id and k not in self.queued]:
            del self.rows[k]
        for r in planned:
            key = (r.booking_id, r.user_id, r.minutes_before)
            old = self.rows.get(key)
            if old is None or old.starts_at != r.starts_at:
                self.rows[key] = r
                self.queued.discard(key)


class FakeCalendarUow(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__("calendar-sync")
        self.bookings = FakeBookings()
        self.connections = FakeConnections()
        self.entries = FakeEntries()
        self.mails = FakeMails()
        self.people = FakePeople()
        self.reminders = FakeReminders()
