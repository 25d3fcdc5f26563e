"""In-memory repositories for attendance's handler unit tests (the FakeUnitOfWork extended).

Each behaves as its SQL adapter does where the handlers can tell: a stale booking event
loses, the sweep claims unmarked live sessions by end, ``lock`` hands out copies (what is
not saved is not kept), a notice or a mail's dedupe key is taken once."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.readers import Reader
from kairos_attendance.domain.sessions import AuditEntry, Change, Session
from kairos_attendance.domain.streaks import Mark
from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.ports import AttendanceUow, Notice, UowFactory
from kairos_attendance.service_layer.templates import Mail, QueuedMail
from kairos_attendance.settings import AttendanceSettings
from kairos_contracts.events.booking import BookingCancelled, BookingConfirmed, CancellationReason
from kairos_contracts.types import Actor, BillingCycle, PaymentMethod, Person, Provider
from kairos_platform.auth import Principal
from kairos_platform.mail import Delivery
from kairos_platform.testing import FakeUnitOfWork

#: the projection's columns that say who is who (standings_repository._WHO)
_WHO = (
    "subscription_id", "offering_id", "provider_id", "provider_user_id", "provider_email",
    "provider_name", "mentee_user_id", "mentee_email", "mentee_name",
)  # fmt: skip
_MARK = ("attended", "marked_by", "marked_by_user_id", "marked_at")


class FakeSessions:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Session] = {}
        self.audited: list[AuditEntry] = []
        self._ids = itertools.count(1)
        self._audited_of: dict[int, uuid.UUID] = {}

    async def apply(self, s: Session) -> bool:
        held = self.rows.get(s.booking_id)
        if held is not None and held.sequence >= s.sequence:
            return False
        mark: dict[str, Any] = {k: getattr(held, k) for k in _MARK} if held else {}
        self.rows[s.booking_id] = replace(s, **mark)
        return True

    async def get(self, booking_id: uuid.UUID, *, lock: bool = False) -> Session | None:
        return self.rows.get(booking_id)

    async def mark(
        self,
        booking_id: uuid.UUID,
        attended: bool,
        by: str,
        by_user: uuid.UUID | None,
        at: datetime,
    ) -> None:
        s = self.rows[booking_id]
        self.rows[booking_id] = replace(
            s, attended=attended, marked_by=by, marked_by_user_id=by_user, marked_at=at
        )

    async def mark_overdue_absent(
        self, cutoff: datetime, limit: int, at: datetime
    ) -> list[Session]:
        due = sorted(
            (
                s
                for s in self.rows.values()
                if s.attended is None and s.status == "confirmed" and s.ends_at < cutoff
            ),
            key=lambda s: s.ends_at,
        )[:limit]
        for s in due:
            await self.mark(s.booking_id, False, "system", None, at)
        return [self.rows[s.booking_id] for s in due]

    async def audit(self, changes: Sequence[Change]) -> None:
        for c in changes:
            entry_id = next(self._ids)
            self._audited_of[entry_id] = c.session.booking_id
            self.audited.append(
                AuditEntry(entry_id, c.by, c.by_user_id, c.at, c.before, c.after, c.source)
            )

    async def history(
        self, booking_id: uuid.UUID, after: int | None, limit: int
    ) -> list[AuditEntry]:
        mine = [a for a in self.audited if self._audited_of[a.id] == booking_id]
        return [a for a in mine if after is None or a.id > after][:limit]

    async def marks_of(self, enrollment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Mark]]:
        out: dict[uuid.UUID, list[Mark]] = {e: [] for e in enrollment_ids}
        for s in self.rows.values():
            if s.enrollment_id in out and s.status == "confirmed":
                out[s.enrollment_id].append(Mark(s.booking_id, s.starts_at, s.attended))
        return out

    async def latest_of(self, enrollment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Session]:
        """The session with the latest cycle end (then start) of each enrollment."""
        out: dict[uuid.UUID, Session] = {}
        known = [
            (s.cycle_ends_at, s.starts_at, eid, s)
            for s in self.rows.values()
            if (eid := s.enrollment_id) in enrollment_ids and s.cycle_ends_at is not None
        ]
        for _, _, eid, s in sorted(known, key=lambda k: k[:2]):
            if eid is not None:
                out[eid] = s  # in order: the latest one wins
        return out

    async def recent_of(
        self, enrollment_ids: Sequence[uuid.UUID], now: datetime, per: int
    ) -> dict[uuid.UUID, list[Session]]:
        out: dict[uuid.UUID, list[Session]] = {e: [] for e in enrollment_ids}
        for s in sorted(self.rows.values(), key=lambda s: s.starts_at, reverse=True):
            if s.enrollment_id in out and s.starts_at <= now:
                out[s.enrollment_id].append(s)
        return {e: found[:per] for e, found in out.items()}

    async def many(self, booking_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Session]:
        return {b: self.rows[b] for b in booking_ids if b in self.rows}


class FakeStandings:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Enrollment] = {}
        self.notices: set[Notice] = set()

    async def know(self, s: Session) -> None:
        assert s.enrollment_id is not None
        who = {k: getattr(s, k) for k in _WHO}
        held = self.rows.get(s.enrollment_id)
        if held is None:
            self.rows[s.enrollment_id] = Enrollment(enrollment_id=s.enrollment_id, **who)
        else:
            self.rows[s.enrollment_id] = replace(held, **who)

    async def lock(self, enrollment_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Enrollment]:
        # copies, as rows read from the database: what the caller does not save is lost
        found = sorted(set(enrollment_ids) & self.rows.keys())
        return {e: replace(self.rows[e]) for e in found}

    async def get(self, enrollment_id: uuid.UUID, *, lock: bool = False) -> Enrollment | None:
        held = self.rows.get(enrollment_id)
        return replace(held) if held else None

    async def save_many(self, enrollments: Sequence[Enrollment]) -> None:
        for e in enrollments:
            assert e.enrollment_id in self.rows  # an UPDATE: no row, nothing saved
            self.rows[e.enrollment_id] = replace(e)

    async def announce(self, wanted: Sequence[Notice]) -> set[Notice]:
        new = set(wanted) - self.notices
        self.notices |= new
        return new

    async def subscribers_of(
        self,
        mentor: uuid.UUID,
        after: tuple[str | None, uuid.UUID] | None,
        limit: int,
    ) -> list[Enrollment]:
        def key(e: Enrollment) -> tuple[bool, str, uuid.UUID]:
            return (e.mentee_name is None, e.mentee_name or "", e.enrollment_id)

        mine = sorted(
            (e for e in self.rows.values() if mentor in (e.provider_user_id, e.provider_id)),
            key=key,
        )
        if after is not None:
            bound = (after[0] is None, after[0] or "", after[1])
            mine = [e for e in mine if key(e) > bound]
        return [replace(e) for e in mine[:limit]]


class FakeMails:
    def __init__(self) -> None:
        self.queued: dict[str, Mail] = {}

    async def add(self, mails: Sequence[Mail]) -> None:
        for m in mails:
            self.queued.setdefault(m.dedupe_key, m)

    def templates(self) -> list[tuple[str, str]]:
        """(template, recipient) of every queued mail, in queueing order."""
        return [(m.template, m.recipient) for m in self.queued.values()]


class FakeReaders:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Reader] = {}

    async def apply(self, reader: Reader) -> bool:
        held = self.rows.get(reader.user_id)
        if held is not None and held.changed_at >= reader.changed_at:
            return False
        self.rows[reader.user_id] = reader
        return True


class FakeAttendanceUow(FakeUnitOfWork):
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        super().__init__("attendance", self.clock)
        self.sessions = FakeSessions()
        self.standings = FakeStandings()
        self.mails = FakeMails()
        self.readers = FakeReaders()

    def factory(self) -> UowFactory:
        """A ``uow_factory`` opening this same unit of work (its repositories persist)."""
        return lambda: self


def _is_an_attendance_uow(uow: FakeAttendanceUow) -> AttendanceUow:
    """Never called: mypy checks here that the fake (and each fake repository) is what
    ports.py asks of a unit of work, so a Protocol change shows at the fake first."""
    return uow


class Clock:
    """A pinned clock the test moves by hand."""

    def __init__(self, now: datetime = datetime(2030, 1, 1, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class NoMailer:
    """The context's mailer: the handlers under test only queue mails, never send them."""

    async def send(self, mails: Sequence[QueuedMail], deadline: float | None = None) -> Delivery:
        raise AssertionError("handlers queue mails; the mail job sends them")


def context(**settings: Any) -> Context:
    values: dict[str, Any] = {"SERVICE_NAME": "attendance", "APP_URL": "https://app.test"}
    return Context(AttendanceSettings(**(values | settings)), NoMailer())


def mentor(name: str = "Ada") -> Provider:
    return Provider(
        provider_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        email=f"{name.lower()}@mentors.test",
        display_name=name,
    )


def mentee(name: str = "Ana") -> Person:
    return Person(user_id=uuid.uuid4(), email=f"{name.lower()}@mentees.test", display_name=name)


def cycle(first: datetime) -> BillingCycle:
    start = first - timedelta(days=1)
    return BillingCycle(number=1, starts_at=start, ends_at=start + timedelta(days=28))


@dataclass
class Programme:
    """One mentee's enrollment with a mentor: weekly sessions from ``first`` (as booking
    announces them)."""

    mentor: Provider = field(default_factory=mentor)
    mentee: Person = field(default_factory=mentee)
    enrollment_id: uuid.UUID = field(default_factory=uuid.uuid4)
    subscription_id: uuid.UUID = field(default_factory=uuid.uuid4)
    offering_id: uuid.UUID = field(default_factory=uuid.uuid4)
    first: datetime = datetime(2030, 1, 7, 17, 0, tzinfo=UTC)

    @property
    def cycle(self) -> BillingCycle:
        return cycle(self.first)

    def session(self, week: int, **overrides: Any) -> BookingConfirmed:
        start = self.first + timedelta(weeks=week)
        values: dict[str, Any] = {
            "booking_id": uuid.uuid4(), "sequence": 0, "offering_id": self.offering_id,
            "offering_title": "Weekly mentoring", "provider": self.mentor,
            "mentee": self.mentee, "provider_time_zone": "Europe/Madrid",
            "payment_id": uuid.uuid4(), "payment_method": PaymentMethod.SUBSCRIPTION,
            "meeting_url": "https://meet.example.org/abc", "starts_at": start,
            "ends_at": start + timedelta(hours=1), "subscription_id": self.subscription_id,
            "enrollment_id": self.enrollment_id, "cycle": self.cycle,
            "amount_minor": 3000, "currency": "EUR",
        }  # fmt: skip
        return BookingConfirmed(**(values | overrides))

    def cancelled(self, s: BookingConfirmed, at: datetime) -> BookingCancelled:
        fields = s.model_dump(exclude={"hold_id", "amount_minor", "currency"})
        return BookingCancelled(
            **(fields | {"sequence": s.sequence + 1}),
            cancelled_by=Actor.MENTOR,
            reason=CancellationReason.BY_MENTOR,
            cancelled_at=at,
            refund_amount_minor=0,
            currency="EUR",
        )


def who(user_id: uuid.UUID, *roles: str) -> Principal:
    return Principal(user_id, frozenset(roles or ("mentee",)))
