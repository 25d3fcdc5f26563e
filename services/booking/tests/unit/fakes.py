"""In-memory repositories for handler unit tests (the FakeUnitOfWork extended)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from kairos_booking.domain.model import (
    Availability,
    Booking,
    BookingStatus,
    CycleRecord,
    DateOverride,
    Enrollment,
    Hold,
    HoldStatus,
    Minutes,
    Occupied,
    Occurrence,
    OccurrenceRejection,
    Offering,
    Person,
    Provider,
)
from kairos_booking.service_layer.ports import BookingUow
from kairos_platform.testing import FakeUnitOfWork

T = TypeVar("T")
K = TypeVar("K", bound=tuple[Any, ...])


def _page(
    items: Iterable[T],
    key: Callable[[T], K],
    limit: int | None,
    after: K | None,
    *,
    descending: bool = False,
) -> list[T]:
    """As the SQL adapters' keyset pages: ordered by ``key``, those past ``after``, at
    most ``limit``."""
    ordered = sorted(items, key=key, reverse=descending)
    if after is not None:
        ordered = [i for i in ordered if (key(i) < after if descending else key(i) > after)]
    return ordered[:limit]


def _when(b: Booking) -> tuple[datetime, uuid.UUID]:
    return (b.starts_at, b.booking_id)


class FakeCatalog:
    def __init__(self) -> None:
        self.providers: dict[uuid.UUID, Provider] = {}
        self.offerings: dict[uuid.UUID, Offering] = {}
        self.hours: dict[uuid.UUID, Availability] = {}

    async def add_provider(self, p: Provider) -> None:
        self.providers[p.provider_id] = replace(p)

    save_provider = add_provider

    async def get_provider(self, provider_id: uuid.UUID) -> Provider | None:
        p = self.providers.get(provider_id)
        return replace(p) if p else None

    async def provider_of_user(self, user_id: uuid.UUID) -> Provider | None:
        return next((p for p in self.providers.values() if p.user_id == user_id), None)

    async def list_providers(
        self, limit: int | None = None, after: tuple[str, uuid.UUID] | None = None
    ) -> list[Provider]:
        active = [p for p in self.providers.values() if p.active]
        return _page(active, lambda p: (p.display_name, p.provider_id), limit, after)

    async def lock_provider(self, provider_id: uuid.UUID) -> None:
        return None

    async def add_offering(self, o: Offering) -> None:
        self.offerings[o.offering_id] = replace(o)

    save_offering = add_offering

    async def offering_and_provider(
        self, offering_id: uuid.UUID
    ) -> tuple[Offering | None, Provider | None]:
        offering = await self.get_offering(offering_id)
        provider = await self.get_provider(offering.provider_id) if offering else None
        return offering, provider

    async def offering_with_hours(
        self, offering_id: uuid.UUID, first: date, last: date
    ) -> tuple[Offering | None, Provider | None, Availability]:
        offering, provider = await self.offering_and_provider(offering_id)
        if provider is None:
            return offering, provider, Availability()
        hours = await self.availability(provider.provider_id)
        dated = {d: o for d, o in hours.overrides.items() if first <= d <= last}
        return offering, provider, Availability(hours.weekly, dated)

    async def offerings_and_providers(
        self, offering_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[Offering, Provider | None]]:
        found = {i: await self.offering_and_provider(i) for i in offering_ids}
        return {i: (o, p) for i, (o, p) in found.items() if o is not None}

    async def get_offering(self, offering_id: uuid.UUID, *, lock: bool = False) -> Offering | None:
        o = self.offerings.get(offering_id)
        return replace(o) if o else None

    async def offerings_of(self, provider_id: uuid.UUID) -> list[Offering]:
        return [replace(o) for o in self.offerings.values() if o.provider_id == provider_id]

    async def list_offerings(
        self,
        provider_id: uuid.UUID | None,
        limit: int | None = None,
        after: tuple[str, uuid.UUID] | None = None,
    ) -> list[Offering]:
        found = [o for o in self.offerings.values() if provider_id in (None, o.provider_id)]
        return _page(found, lambda o: (o.title, o.offering_id), limit, after)

    async def availability(self, provider_id: uuid.UUID) -> Availability:
        return self.hours.get(provider_id, Availability())

    async def set_weekly(self, provider_id: uuid.UUID, weekly: dict[int, Any]) -> None:
        self.hours[provider_id] = Availability(
            weekly, self.hours.get(provider_id, Availability()).overrides
        )

    async def put_override(self, provider_id: uuid.UUID, override: DateOverride) -> None:
        current = self.hours.get(provider_id, Availability())
        self.hours[provider_id] = Availability(
            current.weekly, {**current.overrides, override.day: override}
        )

    async def delete_override(self, provider_id: uuid.UUID, day: date) -> bool:
        return self.hours.get(provider_id, Availability()).overrides.pop(day, None) is not None


class FakeSeats:
    def __init__(self, holds: FakeHolds | None = None) -> None:
        self.rows: dict[tuple[uuid.UUID, datetime], list[Any]] = {}  # [occurrence, taken]
        self.holds = holds

    async def full_with_nothing_due(
        self, offering_id: uuid.UUID, at: datetime, capacity: int, now: datetime
    ) -> bool:
        row = self.rows.get((offering_id, at))
        due = self.holds is not None and bool(
            await self.holds.claim_due(now, 1, offering_id=offering_id, starts_at=at)
        )
        return row is not None and 0 < capacity <= row[1] and not due

    async def take_if_open(self, offering_id: uuid.UUID, at: datetime, capacity: int) -> bool:
        row = self.rows.get((offering_id, at))
        if row and 0 < row[1] < capacity:
            row[1] += 1
            return True
        return False

    async def ensure(self, occ: Occurrence) -> None:
        self.rows.setdefault((occ.offering_id, occ.starts_at), [occ, 0])

    async def clashes(self, occ: Occurrence) -> bool:
        return any(
            taken > 0
            and (o.offering_id, o.starts_at) != (occ.offering_id, occ.starts_at)
            and o.provider_id == occ.provider_id
            and o.block_start < occ.block_end
            and occ.block_start < o.block_end
            for o, taken in self.rows.values()
        )

    async def take(self, offering_id: uuid.UUID, at: datetime, capacity: int) -> bool:
        row = self.rows[(offering_id, at)]
        if row[1] < capacity:
            row[1] += 1
            return True
        return False

    async def free(self, offering_id: uuid.UUID, at: datetime) -> None:
        row = self.rows.get((offering_id, at))
        if row and row[1] > 0:
            row[1] -= 1

    async def lock_many(
        self, slots: Sequence[tuple[uuid.UUID, datetime]], now: datetime
    ) -> dict[tuple[uuid.UUID, datetime], tuple[int, bool]]:
        out = {}
        for offering_id, at in slots:
            row = self.rows.get((offering_id, at))
            if row is not None:
                due = self.holds is not None and bool(
                    await self.holds.claim_due(now, 1, offering_id=offering_id, starts_at=at)
                )
                out[(offering_id, at)] = (row[1], due)
        return out

    async def take_many(self, takes: Sequence[tuple[uuid.UUID, datetime, int, int]]) -> int:
        done = 0
        for offering_id, at, n, capacity in takes:
            row = self.rows.get((offering_id, at))
            if row and 0 < row[1] and row[1] + n <= capacity:
                row[1] += n
                done += 1
        return done

    async def occupied(
        self, provider_id: uuid.UUID, start: datetime, end: datetime, now: datetime
    ) -> list[Occupied]:
        return [
            Occupied(o.offering_id, o.starts_at, o.block_start, o.block_end, taken)
            for o, taken in self.rows.values()
            if taken > 0 and o.provider_id == provider_id
        ]

    def taken(self, offering_id: uuid.UUID, at: datetime) -> int:
        row = self.rows.get((offering_id, at))
        return row[1] if row else 0


class FakeHolds:
    def __init__(self) -> None:
        self.holds: dict[uuid.UUID, Hold] = {}

    async def add(self, hold: Hold) -> None:
        self.holds[hold.hold_id] = replace(hold)

    async def get(self, hold_id: uuid.UUID, *, lock: bool = False) -> Hold | None:
        h = self.holds.get(hold_id)
        return replace(h) if h else None

    async def end(
        self,
        hold_id: uuid.UUID,
        status: HoldStatus,
        at: datetime,
        payment_id: uuid.UUID | None = None,
    ) -> bool:
        h = self.holds[hold_id]
        if h.status is not HoldStatus.HELD:
            return False
        h.status, h.ended_at, h.payment_id = status, at, payment_id
        return True

    async def get_many_locked(self, hold_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Hold]:
        return {i: replace(self.holds[i]) for i in sorted(set(hold_ids)) if i in self.holds}

    async def end_many(
        self, status: HoldStatus, at: datetime, ends: Sequence[tuple[uuid.UUID, uuid.UUID]]
    ) -> int:
        return sum([await self.end(h, status, at, p) for h, p in ends])

    async def live_of(
        self,
        mentee_id: uuid.UUID,
        now: datetime,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[Hold]:
        live = [
            replace(h)
            for h in self.holds.values()
            if h.mentee_id == mentee_id and h.status == HoldStatus.HELD and h.expires_at > now
        ]
        return _page(live, lambda h: (h.starts_at, h.hold_id), limit, after)

    async def held_by(
        self, offering_id: uuid.UUID, starts_at: datetime, mentee_id: uuid.UUID
    ) -> Hold | None:
        return next(
            (h for h in self.holds.values()
             if (h.offering_id, h.starts_at, h.mentee_id, h.status)
             == (offering_id, starts_at, mentee_id, HoldStatus.HELD)),
            None,
        )  # fmt: skip

    async def claim_due(
        self,
        now: datetime,
        limit: int,
        *,
        offering_id: uuid.UUID | None = None,
        starts_at: datetime | None = None,
    ) -> list[Hold]:
        due = [
            replace(h) for h in self.holds.values()
            if h.status is HoldStatus.HELD and h.expires_at <= now
            and offering_id in (None, h.offering_id) and starts_at in (None, h.starts_at)
        ]  # fmt: skip
        return due[:limit]


class FakeBookings:
    def __init__(self) -> None:
        self.bookings: dict[uuid.UUID, Booking] = {}
        self.decisions: dict[uuid.UUID, str] = {}
        self.verifying: uuid.UUID | None = None

    async def decision(self, payment_id: uuid.UUID) -> str | None:
        return self.decisions.get(payment_id)

    async def decide(
        self,
        payment_id: uuid.UUID,
        outcome: str,
        *,
        reason: str | None = None,
        booking_id: uuid.UUID | None = None,
    ) -> None:
        assert payment_id not in self.decisions
        self.decisions[payment_id] = outcome

    async def declare_verifying(self, payment_id: uuid.UUID) -> None:
        self.verifying = payment_id

    async def add(self, booking: Booking) -> None:
        # the same rule the database trigger enforces
        assert self.verifying == booking.payment_id and booking.payment_id in self.decisions
        self.bookings[booking.booking_id] = replace(booking)

    async def decided(self, payment_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {p for p in payment_ids if p in self.decisions}

    async def decide_many(
        self, decisions: Sequence[tuple[uuid.UUID, str, str | None, uuid.UUID | None]]
    ) -> None:
        for payment_id, outcome, reason, booking_id in decisions:
            await self.decide(payment_id, outcome, reason=reason, booking_id=booking_id)

    async def booked_many(
        self, keys: Collection[tuple[uuid.UUID, datetime, uuid.UUID]]
    ) -> set[tuple[uuid.UUID, datetime, uuid.UUID]]:
        return {k for k in keys if await self.booked_by(*k)}

    async def add_verified(self, new: Sequence[Booking]) -> None:
        for booking in new:  # as the database does it: each row's payment declared, then it
            await self.declare_verifying(booking.payment_id)
            await self.add(booking)

    async def save(self, booking: Booking) -> None:
        self.bookings[booking.booking_id] = replace(booking)

    async def get(self, booking_id: uuid.UUID, *, lock: bool = False) -> Booking | None:
        b = self.bookings.get(booking_id)
        return replace(b) if b else None

    async def booked_by(
        self, offering_id: uuid.UUID, starts_at: datetime, mentee_id: uuid.UUID
    ) -> bool:
        return any(
            (b.offering_id, b.starts_at, b.mentee_id, b.status)
            == (offering_id, starts_at, mentee_id, BookingStatus.CONFIRMED)
            for b in self.bookings.values()
        )

    async def for_mentee(
        self,
        mentee_id: uuid.UUID,
        *,
        upcoming: bool,
        now: datetime,
        limit: int = 200,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[Booking]:
        found = [
            b
            for b in self.bookings.values()
            if b.mentee_id == mentee_id and (b.ends_at > now) == upcoming
        ]
        return _page(found, _when, limit, after, descending=not upcoming)

    async def for_provider(
        self,
        provider_id: uuid.UUID,
        start: datetime,
        end: datetime,
        limit: int | None = None,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[Booking]:
        found = [
            b
            for b in self.bookings.values()
            if b.provider_id == provider_id and start <= b.starts_at < end
        ]
        return _page(found, _when, limit, after)

    async def session_dates(
        self, offering_id: uuid.UUID, mentee_id: uuid.UUID, dates: Collection[date]
    ) -> set[date]:
        return {
            b.local_date
            for b in self.bookings.values()
            if (b.offering_id, b.mentee_id) == (offering_id, mentee_id)
            and b.local_date is not None
            and b.local_date in dates
        }

    async def confirmed_after(
        self, enrollment_id: uuid.UUID, subscription_id: uuid.UUID, after: datetime
    ) -> list[Booking]:
        return sorted(
            (replace(b) for b in self.bookings.values()
             if (b.enrollment_id, b.subscription_id) == (enrollment_id, subscription_id)
             and b.status is BookingStatus.CONFIRMED and b.starts_at > after),
            key=lambda b: b.starts_at,
        )  # fmt: skip

    async def restorable(
        self, enrollment_id: uuid.UUID, undoes: datetime, today: date, now: datetime
    ) -> list[Booking]:
        # the SQL query's rule, spelled out again independently of domain.recurring
        return sorted(
            (replace(b) for b in self.bookings.values()
             if b.enrollment_id == enrollment_id and b.status is BookingStatus.CANCELLED
             and b.cancel_reason == "unsubscribed" and b.cancelled_at is not None
             and b.cancelled_at >= undoes and b.local_date is not None
             and b.local_date >= today and b.starts_at > now),
            key=lambda b: b.starts_at,
        )  # fmt: skip

    async def reprobation_restorable(
        self,
        enrollment_id: uuid.UUID,
        undoes: datetime,
        today: date,
        now: datetime,
        until: datetime,
    ) -> list[Booking]:
        return sorted(
            (replace(b) for b in self.bookings.values()
             if b.enrollment_id == enrollment_id and b.status is BookingStatus.CANCELLED
             and b.cancel_reason == "reprobated" and b.cancelled_at is not None
             and b.cancelled_at >= undoes and b.local_date is not None
             and b.local_date >= today and now < b.starts_at < until),
            key=lambda b: b.starts_at,
        )  # fmt: skip

    async def upcoming_of(self, enrollment_id: uuid.UUID, now: datetime) -> list[Booking]:
        return sorted(
            (replace(b) for b in self.bookings.values()
             if b.enrollment_id == enrollment_id and b.status is BookingStatus.CONFIRMED
             and b.ends_at > now),
            key=lambda b: b.starts_at,
        )  # fmt: skip


class FakeEnrollments:
    def __init__(self) -> None:
        self.enrollments: dict[tuple[uuid.UUID, uuid.UUID], Enrollment] = {}
        self.cycles: dict[tuple[uuid.UUID, uuid.UUID, int], CycleRecord] = {}
        self.rejected: list[OccurrenceRejection] = []

    async def enroll(
        self, offering: Offering, mentee_id: uuid.UUID, subscription_id: uuid.UUID
    ) -> Enrollment:
        key = (offering.offering_id, mentee_id)
        if key not in self.enrollments:
            self.enrollments[key] = Enrollment(
                uuid.uuid4(), offering.offering_id, offering.provider_id, mentee_id,
                subscription_id,
            )  # fmt: skip
        return replace(self.enrollments[key])

    async def get(
        self, offering_id: uuid.UUID, mentee_id: uuid.UUID, *, lock: bool = False
    ) -> Enrollment | None:
        e = self.enrollments.get((offering_id, mentee_id))
        return replace(e) if e else None

    async def save(self, enrollment: Enrollment) -> None:
        self.enrollments[(enrollment.offering_id, enrollment.mentee_id)] = replace(enrollment)

    async def for_mentee(self, mentee_id: uuid.UUID) -> list[Enrollment]:
        return [replace(e) for e in self.enrollments.values() if e.mentee_id == mentee_id]

    async def cycle_payment(
        self, enrollment_id: uuid.UUID, subscription_id: uuid.UUID, number: int
    ) -> uuid.UUID | None:
        found = self.cycles.get((enrollment_id, subscription_id, number))
        return found.payment_id if found else None

    async def add_cycle(self, cycle: CycleRecord) -> None:
        key = (cycle.enrollment_id, cycle.subscription_id, cycle.number)
        assert key not in self.cycles  # the primary key
        self.cycles[key] = cycle

    async def add_rejection(self, rejection: OccurrenceRejection) -> None:
        assert all(r.rejection_id != rejection.rejection_id for r in self.rejected)
        self.rejected.append(rejection)

    async def rejections(self, enrollment_id: uuid.UUID) -> list[OccurrenceRejection]:
        return [r for r in self.rejected if r.enrollment_id == enrollment_id]


class FakePeople:
    def __init__(self) -> None:
        self.people: dict[uuid.UUID, Person] = {}

    async def remember(self, person: Person) -> None:
        self.people[person.user_id] = person

    async def get(self, user_id: uuid.UUID) -> Person:
        return self.people.get(user_id, Person(user_id))

    async def get_many(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Person]:
        return {u: await self.get(u) for u in user_ids}


class FakeBookingUow(FakeUnitOfWork):
    def __init__(self, now: datetime | None = None) -> None:
        super().__init__("booking")
        self.clock = now or datetime(2030, 1, 1, tzinfo=UTC)
        self.catalog = FakeCatalog()
        self.holds = FakeHolds()
        self.seats = FakeSeats(self.holds)
        self.bookings = FakeBookings()
        self.enrollments = FakeEnrollments()
        self.people = FakePeople()

    def now(self) -> datetime:
        return self.clock


def _is_a_booking_uow(uow: FakeBookingUow) -> BookingUow:
    """Never called: mypy checks here that the fake (and each fake repository) is what
    ports.py asks of a unit of work, so a Protocol change shows at the fake first."""
    return uow


def every_day(start_h: int, end_h: int) -> dict[int, tuple[Minutes, ...]]:
    return dict.fromkeys(range(7), (Minutes(start_h * 60, end_h * 60),))
