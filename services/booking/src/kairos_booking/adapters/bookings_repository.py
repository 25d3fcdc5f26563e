"""SQL repositories for bookings, payment decisions and people.

``add`` is the one place that inserts into ``bookings``; only the PaymentVerified handler
calls it (tests/unit/test_only_payment_verified_creates_bookings.py enforces both).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, any_, bindparam, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_booking.adapters.orm import bookings, payment_decisions, people
from kairos_booking.adapters.rows import field_names, to_flat_row, to_obj
from kairos_booking.domain.model import Booking, BookingStatus, Person
from kairos_platform.pagination import keyset

# Built once (memoised cache keys): run for every payment.
_DECISION = select(payment_decisions.c.outcome).where(
    payment_decisions.c.payment_id == bindparam("payment_id")
)
_DECIDE = payment_decisions.insert()
_DECLARE = text("SELECT set_config('kairos.verifying_payment', :p, true)")
_BOOKED_BY = select(bookings.c.booking_id).where(
    bookings.c.offering_id == bindparam("offering_id"),
    bookings.c.starts_at == bindparam("starts_at"),
    bookings.c.mentee_id == bindparam("mentee_id"),
    bookings.c.status == "confirmed",
)
_PERSON = select(people).where(people.c.user_id == bindparam("user_id"))
_UUIDS = ARRAY(UUID(as_uuid=True))
# Set-based (the PaymentVerified batch handler): one statement for many payments.
_DECIDED = select(payment_decisions.c.payment_id).where(
    payment_decisions.c.payment_id == any_(bindparam("payment_ids", type_=_UUIDS))
)
_DECIDE_MANY = text(
    """
    INSERT INTO payment_decisions (payment_id, outcome, reason, booking_id)
    SELECT p, o, r, b
    FROM unnest(CAST(:payment_ids AS uuid[]), CAST(:outcomes AS text[]),
                CAST(:reasons AS text[]), CAST(:booking_ids AS uuid[])) AS u(p, o, r, b)
    """
)
_BOOKED_MANY = text(
    """
    SELECT b.offering_id, b.starts_at, b.mentee_id
    FROM bookings b
    JOIN unnest(CAST(:offering_ids AS uuid[]), CAST(:starts AS timestamptz[]),
                CAST(:mentee_ids AS uuid[])) AS u(o, t, m)
      ON b.offering_id = u.o AND b.starts_at = u.t AND b.mentee_id = u.m
    WHERE b.status = 'confirmed'
    """
)
_PEOPLE = select(people).where(people.c.user_id == any_(bindparam("user_ids", type_=_UUIDS)))
_BOOKING_COLUMNS = field_names(Booking)


class SqlBookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def decision(self, payment_id: uuid.UUID) -> str | None:
        return await self._s.scalar(_DECISION, {"payment_id": payment_id})

    async def decide(
        self,
        payment_id: uuid.UUID,
        outcome: str,
        *,
        reason: str | None = None,
        booking_id: uuid.UUID | None = None,
    ) -> None:
        await self._s.execute(
            _DECIDE,
            {
                "payment_id": payment_id,
                "outcome": outcome,
                "reason": reason,
                "booking_id": booking_id,
            },
        )

    async def declare_verifying(self, payment_id: uuid.UUID) -> None:
        """Tell the database which payment this transaction verifies (the insert guard)."""
        await self._s.execute(_DECLARE, {"p": str(payment_id)})

    async def add(self, booking: Booking) -> None:
        await self._s.execute(bookings.insert().values(**_row(booking)))

    async def decided(self, payment_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Which of ``payment_ids`` already have their decision."""
        rows = await self._s.execute(_DECIDED, {"payment_ids": list(payment_ids)})
        return {r[0] for r in rows}

    async def decide_many(
        self, decisions: Sequence[tuple[uuid.UUID, str, str | None, uuid.UUID | None]]
    ) -> None:
        """``decide`` for many (payment, outcome, reason, booking) in one statement."""
        if not decisions:
            return
        params = {
            "payment_ids": [d[0] for d in decisions],
            "outcomes": [d[1] for d in decisions],
            "reasons": [d[2] for d in decisions],
            "booking_ids": [d[3] for d in decisions],
        }
        await self._s.execute(_DECIDE_MANY, params)

    async def booked_many(
        self, keys: Collection[tuple[uuid.UUID, datetime, uuid.UUID]]
    ) -> set[tuple[uuid.UUID, datetime, uuid.UUID]]:
        """Which (offering, start, mentee) of ``keys`` have a confirmed booking
        (``booked_by`` for many, in one read)."""
        if not keys:
            return set()
        listed = list(keys)
        params = {
            "offering_ids": [k[0] for k in listed],
            "starts": [k[1] for k in listed],
            "mentee_ids": [k[2] for k in listed],
        }
        return {(r[0], r[1], r[2]) for r in await self._s.execute(_BOOKED_MANY, params)}

    async def add_verified(self, new: Sequence[Booking]) -> None:
        """``declare_verifying(b.payment_id)`` then ``add(b)`` for each booking, in one
        statement: the insert guard (migration 0002) checks each row against the payment
        declared when that row is inserted, so ``set_config`` is evaluated per row, just
        before it (INSERT ... SELECT pulls one row at a time; no ORDER BY, nothing
        materialised in between). Were that ever not so, the guard would refuse the rows
        and the whole batch would go through the per-record path."""
        if not new:
            return
        rows = [_row(b) for b in new]
        columns = ", ".join(_BOOKING_COLUMNS)
        arrays = ", ".join(
            f"CAST(:{c} AS {bookings.c[c].type.compile(dialect=postgresql.dialect())}[])"
            for c in _BOOKING_COLUMNS
        )
        statement = text(
            f"INSERT INTO bookings ({columns}) SELECT {columns} FROM unnest({arrays}) "
            f"AS u({columns}) "
            "WHERE set_config('kairos.verifying_payment', u.payment_id::text, true) IS NOT NULL"
        )
        await self._s.execute(statement, {c: [r[c] for r in rows] for c in _BOOKING_COLUMNS})

    async def save(self, booking: Booking) -> None:
        await self._s.execute(
            update(bookings)
            .where(bookings.c.booking_id == booking.booking_id)
            .values(**_row(booking))
        )

    async def get(self, booking_id: uuid.UUID, *, lock: bool = False) -> Booking | None:
        query = select(bookings).where(bookings.c.booking_id == booking_id)
        if lock:
            query = query.with_for_update()
        row = (await self._s.execute(query)).first()
        return _booking(row) if row else None

    async def booked_by(
        self, offering_id: uuid.UUID, starts_at: datetime, mentee_id: uuid.UUID
    ) -> bool:
        params = {"offering_id": offering_id, "starts_at": starts_at, "mentee_id": mentee_id}
        return await self._s.scalar(_BOOKED_BY, params) is not None

    async def for_mentee(
        self,
        mentee_id: uuid.UUID,
        *,
        upcoming: bool,
        now: datetime,
        limit: int = 200,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[Booking]:
        """Upcoming soonest first, or past latest first; ``after`` the key of a page's
        last (starts_at, booking_id)."""
        c = bookings.c
        key = (c.starts_at, c.booking_id)
        query = select(bookings).where(c.mentee_id == mentee_id)
        if upcoming:
            query = query.where(c.ends_at > now, keyset(key, after)).order_by(*key)
        else:
            query = query.where(c.ends_at <= now, keyset(key, after, descending=True))
            query = query.order_by(c.starts_at.desc(), c.booking_id.desc())
        return [_booking(r) for r in await self._s.execute(query.limit(limit))]

    async def session_dates(
        self, offering_id: uuid.UUID, mentee_id: uuid.UUID, dates: Collection[date]
    ) -> set[date]:
        """The local dates among ``dates`` that already hold a session (any status)."""
        c = bookings.c
        rows = await self._s.execute(
            select(c.local_date).where(
                c.offering_id == offering_id, c.mentee_id == mentee_id, c.local_date.in_(dates)
            )
        )
        return {r[0] for r in rows}

    async def confirmed_after(
        self, enrollment_id: uuid.UUID, subscription_id: uuid.UUID, after: datetime
    ) -> list[Booking]:
        """Confirmed sessions of one subscription starting after ``after``, row-locked."""
        c = bookings.c
        query = (
            select(bookings)
            .where(
                c.enrollment_id == enrollment_id,
                c.subscription_id == subscription_id,
                c.status == "confirmed",
                c.starts_at > after,
            )
            .order_by(c.starts_at)
            .with_for_update()
        )
        return [_booking(r) for r in await self._s.execute(query)]

    async def restorable(
        self, enrollment_id: uuid.UUID, undoes: datetime, today: date, now: datetime
    ) -> list[Booking]:
        """The restore rule (domain.recurring.restorable), row-locked: cancelled as
        unsubscribed at or after ``undoes``, dated ``today`` or later, not yet started."""
        return await self._cancelled_since(enrollment_id, "unsubscribed", undoes, today, now)

    async def reprobation_restorable(
        self,
        enrollment_id: uuid.UUID,
        undoes: datetime,
        today: date,
        now: datetime,
        until: datetime,
    ) -> list[Booking]:
        """Cancelled as reprobated at or after ``undoes``, dated ``today`` or later, not yet
        started and starting before ``until`` (the paid cycle's end), row-locked."""
        return await self._cancelled_since(
            enrollment_id, "reprobated", undoes, today, now, bookings.c.starts_at < until
        )

    async def _cancelled_since(
        self,
        enrollment_id: uuid.UUID,
        reason: str,
        undoes: datetime,
        today: date,
        now: datetime,
        *more: ColumnElement[bool],
    ) -> list[Booking]:
        """Cancelled for ``reason`` at or after ``undoes``, dated ``today`` or later, not yet
        started (and ``more``), row-locked in start order."""
        c = bookings.c
        query = (
            select(bookings)
            .where(
                c.enrollment_id == enrollment_id,
                c.status == "cancelled",
                c.cancel_reason == reason,
                c.cancelled_at >= undoes,
                c.local_date >= today,
                c.starts_at > now,
                *more,
            )
            .order_by(c.starts_at)
            .with_for_update()
        )
        return [_booking(r) for r in await self._s.execute(query)]

    async def upcoming_of(self, enrollment_id: uuid.UUID, now: datetime) -> list[Booking]:
        c = bookings.c
        query = (
            select(bookings)
            .where(c.enrollment_id == enrollment_id, c.status == "confirmed", c.ends_at > now)
            .order_by(c.starts_at)
        )
        return [_booking(r) for r in await self._s.execute(query)]

    async def for_provider(
        self,
        provider_id: uuid.UUID,
        start: datetime,
        end: datetime,
        limit: int | None = None,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[Booking]:
        c = bookings.c
        key = (c.starts_at, c.booking_id)
        rows = await self._s.execute(
            select(bookings)
            .where(c.provider_id == provider_id, c.starts_at >= start, c.starts_at < end)
            .where(keyset(key, after))
            .order_by(*key)
            .limit(limit)
        )
        return [_booking(r) for r in rows]


def _row(booking: Booking) -> dict[str, object]:
    row = to_flat_row(booking)  # Booking's fields are all flat values
    row["status"] = str(booking.status)
    return row


def _booking(row: object) -> Booking:
    booking = to_obj(Booking, row)
    booking.status = BookingStatus(booking.status)
    return booking


class SqlPeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def remember(self, person: Person) -> None:
        """Keep the latest name and e-mail a token told us (blanks never erase known ones)."""
        stmt = insert(people).values(
            user_id=person.user_id, email=person.email, display_name=person.display_name
        )
        await self._s.execute(
            stmt.on_conflict_do_update(
                index_elements=["user_id"],
                set_={
                    "email": text("coalesce(excluded.email, people.email)"),
                    "display_name": text("coalesce(excluded.display_name, people.display_name)"),
                    "updated_at": text("now()"),
                },
            )
        )

    async def get(self, user_id: uuid.UUID) -> Person:
        row = (await self._s.execute(_PERSON, {"user_id": user_id})).first()
        return to_obj(Person, row) if row else Person(user_id)

    async def get_many(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Person]:
        """``get`` for each of ``user_ids`` (unknown ones as bare ids), in one read."""
        rows = await self._s.execute(_PEOPLE, {"user_ids": list(user_ids)})
        known = {p.user_id: p for p in (to_obj(Person, r) for r in rows)}
        return {u: known.get(u) or Person(u) for u in user_ids}
