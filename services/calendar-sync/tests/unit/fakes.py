"""In-memory repositories for the projection's decisions (no database, no calendars).

``FakeCalendarUow`` is a ``ports.CalendarUow`` (``_is_a_calendar_uow``): each fake holds
every method the service layer may call, kept as simple as the unit tests need (no
leases, no locks: one test, one transaction at a time)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from kairos_calendar_sync.adapters.mail_repository import NewMail
from kairos_calendar_sync.adapters.reminders_repository import DueReminder, ReminderKey
from kairos_calendar_sync.domain.bookings import Booking, Status, is_newer
from kairos_calendar_sync.domain.connections import Connection, ConnectionStatus, Entry
from kairos_calendar_sync.domain.mails import MailKind
from kairos_calendar_sync.domain.mails.model import Topic
from kairos_calendar_sync.domain.people import Person
from kairos_calendar_sync.domain.reminders import PlannedReminder
from kairos_calendar_sync.service_layer.ports import CalendarUow
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

    async def get(self, booking_id: uuid.UUID) -> Booking | None:
        return self.rows.get(booking_id)

    async def many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Booking]:
        return {i: self.rows[i] for i in ids if i in self.rows}

    async def live_for_user(self, user_id: uuid.UUID) -> list[Booking]:
        mine = [
            b
            for b in self.rows.values()
            if b.status is Status.CONFIRMED and user_id in {p.user_id for p in b.participants}
        ]
        return sorted(mine, key=lambda b: b.starts_at)


class FakeConnections:
    def __init__(self) -> None:
        self.rows: list[Connection] = []
        self.removed: list[uuid.UUID] = []

    async def add(self, c: Connection) -> None:
        self.rows.append(c)

    async def get(self, connection_id: uuid.UUID) -> Connection | None:
        return next((c for c in self.rows if c.connection_id == connection_id), None)

    async def many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Connection]:
        return {c.connection_id: c for c in self.rows if c.connection_id in ids}

    async def for_users(self, user_ids: list[uuid.UUID]) -> list[Connection]:
        return [c for c in self.rows if c.user_id in user_ids]

    async def of_user(
        self, user_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[Connection]:
        mine = [c for c in self.rows if c.user_id == user_id]
        if after is not None:
            mine = [
                c for c in mine if c.created_at is None or (c.created_at, c.connection_id) > after
            ]
        return mine[:limit]

    async def remove(self, connection_id: uuid.UUID) -> None:
        self.rows = [c for c in self.rows if c.connection_id != connection_id]
        self.removed.append(connection_id)

    async def succeeded(self, connection_id: uuid.UUID, secret: bytes | None = None) -> None:
        conn = await self.get(connection_id)
        if conn is not None:
            self._replace(
                replace(
                    conn,
                    failures=0,
                    status=ConnectionStatus.ACTIVE,
                    secret=conn.secret if secret is None else secret,
                )
            )

    async def failed(
        self, connection_id: uuid.UUID, error: str, backoff_s: float, broken: bool
    ) -> None:
        conn = await self.get(connection_id)
        if conn is not None:
            status = ConnectionStatus.BROKEN if broken else conn.status
            self._replace(replace(conn, last_error=error[:1000], status=status))

    async def count_failure(self, connection_id: uuid.UUID) -> int | None:
        conn = await self.get(connection_id)
        if conn is None:
            return None
        self._replace(replace(conn, failures=conn.failures + 1))
        return conn.failures + 1

    async def claim_for_reconcile(self, limit: int, interval_s: float) -> list[Connection]:
        return [c for c in self.rows if c.status is ConnectionStatus.ACTIVE][:limit]

    def _replace(self, conn: Connection) -> None:
        self.rows = [conn if c.connection_id == conn.connection_id else c for c in self.rows]


@dataclass(frozen=True)
class Drifted:
    connection_id: uuid.UUID
    booking_id: uuid.UUID | None
    uid: str
    kind: str
    action: str
    detail: str | None


class FakeEntries:
    def __init__(self) -> None:
        self.rows: dict[tuple[uuid.UUID, uuid.UUID], Entry] = {}
        self.drift: list[Drifted] = []

    @property
    def desired(self) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[int, str]]:
        """(booking, connection) -> the sequence and status the calendar should show."""
        return {k: (e.desired_sequence, e.desired_status) for k, e in self.rows.items()}

    async def want(self, b: Booking, connection_id: uuid.UUID, user_id: uuid.UUID) -> None:
        key = (b.booking_id, connection_id)
        old = self.rows.get(key)
        if old is None:
            self.rows[key] = Entry(
                b.booking_id, connection_id, user_id, b.uid, b.sequence, b.status.value
            )
        elif old.desired_sequence < b.sequence:
            self.rows[key] = replace(
                old, desired_sequence=b.sequence, desired_status=b.status.value, pending=True
            )

    async def claim(self, limit: int, lease_s: float) -> list[Entry]:
        return [e for e in self.rows.values() if e.pending][:limit]

    async def synced(
        self,
        e: Entry,
        sequence: int,
        status: str,
        href: str | None,
        etag: str | None,
        external_id: str | None,
    ) -> None:
        now = self.rows[(e.booking_id, e.connection_id)]
        still = now.desired_sequence > sequence or now.desired_status != status
        self.rows[(e.booking_id, e.connection_id)] = replace(
            now,
            synced_sequence=sequence,
            synced_status=status,
            href=href,
            etag=etag,
            external_id=external_id,
            pending=still,
            attempts=0,
        )

    async def failed(self, e: Entry, error: str) -> int:
        now = self.rows[(e.booking_id, e.connection_id)]
        self.rows[(e.booking_id, e.connection_id)] = replace(now, attempts=now.attempts + 1)
        return now.attempts + 1

    async def release(self, e: Entry) -> None:
        return None  # no leases here

    async def for_connection(self, connection_id: uuid.UUID) -> list[Entry]:
        return [e for e in self.rows.values() if e.connection_id == connection_id]

    async def resync(self, booking_id: uuid.UUID, connection_id: uuid.UUID) -> None:
        key = (booking_id, connection_id)
        if key in self.rows:
            self.rows[key] = replace(
                self.rows[key],
                pending=True,
                synced_sequence=None,
                synced_status=None,
                etag=None,
                external_id=None,
            )

    async def record_drift(
        self,
        connection_id: uuid.UUID,
        booking_id: uuid.UUID | None,
        uid: str,
        kind: str,
        action: str,
        detail: str | None = None,
    ) -> None:
        self.drift.append(Drifted(connection_id, booking_id, uid, kind, action, detail))


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
        wanted = set(kinds)
        gone = [
            k
            for k, m in self.rows.items()
            if m.booking_id == booking_id and m.kind in wanted and k not in self.sent
        ]
        for k in gone:
            del self.rows[k]
        return len(gone)


class FakeFeeds:
    def __init__(self) -> None:
        self.owners: dict[str, uuid.UUID] = {}
        self.revoked: set[str] = set()

    async def add(self, token_hash: str, user_id: uuid.UUID) -> None:
        self.owners[token_hash] = user_id

    async def owner(self, token_hash: str) -> uuid.UUID | None:
        return None if token_hash in self.revoked else self.owners.get(token_hash)

    async def revoke(self, token_hash: str) -> None:
        self.revoked.add(token_hash)


class FakePeople:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Person] = {}

    async def learn(self, user_id: uuid.UUID, email: str | None, name: str | None) -> None:
        p = self.rows.get(user_id, Person(user_id))
        self.rows[user_id] = replace(p, email=email or p.email, name=name or p.name)

    async def learn_many(self, known: Iterable[tuple[uuid.UUID, str | None, str | None]]) -> None:
        for user_id, email, name in known:
            await self.learn(user_id, email, name)

    async def token_said(
        self, user_id: uuid.UUID, time_zone: str | None, locale: str | None
    ) -> Person | None:
        if time_zone is None and locale is None:
            return None
        p = self.rows.get(user_id, Person(user_id))
        if p.chosen_at is not None:
            return None
        new = replace(p, time_zone=time_zone or p.time_zone, locale=locale or p.locale)
        if (new.time_zone, new.locale) == (p.time_zone, p.locale) and user_id in self.rows:
            return None
        self.rows[user_id] = new
        return new

    async def get(self, user_id: uuid.UUID) -> Person | None:
        return self.rows.get(user_id)

    async def many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
        return {i: self.rows[i] for i in ids if i in self.rows}

    async def choose(
        self,
        user_id: uuid.UUID,
        *,
        time_zone: str | None,
        locale: str | None,
        unsubscribed: frozenset[Topic],
        at: datetime,
    ) -> Person:
        p = replace(
            self.rows.get(user_id, Person(user_id)),
            time_zone=time_zone,
            locale=locale,
            unsubscribed=unsubscribed,
            chosen_at=at,
        )
        self.rows[user_id] = p
        return p

    async def unsubscribe(self, user_id: uuid.UUID, topic: Topic) -> None:
        p = self.rows.get(user_id, Person(user_id))
        self.rows[user_id] = replace(p, unsubscribed=p.unsubscribed | {topic})


def _nearer_due(
    key: ReminderKey, r: PlannedReminder, due: list[tuple[ReminderKey, PlannedReminder]]
) -> bool:
    return any(k[:2] == key[:2] and n.minutes_before < r.minutes_before for k, n in due)


class FakeReminders:
    def __init__(self, bookings: FakeBookings) -> None:
        self.bookings = bookings
        self.rows: dict[ReminderKey, PlannedReminder] = {}
        self.queued: set[ReminderKey] = set()
        self.outcomes: dict[ReminderKey, str] = {}

    async def plan(self, booking_id: uuid.UUID, planned: Sequence[PlannedReminder]) -> None:
        for k in [k for k in self.rows if k[0] == booking_id and k not in self.queued]:
            del self.rows[k]
        for r in planned:
            key = (r.booking_id, r.user_id, r.minutes_before)
            old = self.rows.get(key)
            if old is None or old.starts_at != r.starts_at:
                self.rows[key] = r
                self.queued.discard(key)

    def _due(self, now: datetime) -> list[tuple[ReminderKey, PlannedReminder]]:
        return sorted(
            ((k, r) for k, r in self.rows.items() if k not in self.queued and r.due_at <= now),
            key=lambda kr: kr[1].due_at,
        )

    async def due(self, now: datetime, limit: int) -> list[DueReminder]:
        due = self._due(now)
        return [
            DueReminder(r, self.bookings.rows[k[0]], _nearer_due(k, r, due))
            for k, r in due
            if k[0] in self.bookings.rows
        ][:limit]

    async def mark(self, keys: Sequence[ReminderKey], outcome: str, at: datetime) -> None:
        for k in keys:
            self.queued.add(k)
            self.outcomes[k] = outcome


class FakeCalendarUow(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__("calendar-sync")
        self.bookings = FakeBookings()
        self.connections = FakeConnections()
        self.entries = FakeEntries()
        self.mails = FakeMails()
        self.feeds = FakeFeeds()
        self.people = FakePeople()
        self.reminders = FakeReminders(self.bookings)


def _is_a_calendar_uow(uow: FakeCalendarUow) -> CalendarUow:
    """Never called: mypy checks here that the fake (and each fake repository) is what
    ports.py asks of a unit of work, so a Protocol change shows at the fake first."""
    return uow
