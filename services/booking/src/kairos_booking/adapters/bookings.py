"""SQL repositories for bookings, payment decisions and people.

``add`` is the one place that inserts into ``bookings``; only the PaymentVerified handler
calls it (tests/unit/test_only_payment_verified_creates_bookings.py enforces both).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_booking.adapters.orm import bookings, payment_decisions, people
from kairos_booking.adapters.rows import to_obj, to_row
from kairos_booking.domain.model import Booking, BookingStatus, Person

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
        self, mentee_id: uuid.UUID, *, upcoming: bool, now: datetime, limit: int = 200
    ) -> list[Booking]:
        c = bookings.c
        query = select(bookings).where(c.mentee_id == mentee_id)
        if upcoming:
            query = query.where(c.ends_at > now).order_by(c.starts_at)
        else:
            query = query.where(c.ends_at <= now).order_by(c.starts_at.desc())
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
        """Seed 000's rule (domain.recurring.restorable), row-locked: cancelled as
        unsubscribed at or after ``undoes``, dated ``today`` or later, not yet started."""
        c = bookings.c
        query = (
            select(bookings)
            .where(
                c.enrollment_id == enrollment_id,
                c.status == "cancelled",
                c.cancel_reason == "unsubscribed",
                c.cancelled_at >= undoes,
                c.local_date >= today,
                c.starts_at > now,
            )
            .order_by(c.starts_at)
            .with_for_update()
        )
        return [_booking(r) for r in await self._s.execute(query)]

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
        c = bookings.c
        query = (
            select(bookings)
            .where(
                c.enrollment_id == enrollment_id,
                c.status == "cancelled",
                c.cancel_reason == "reprobated",
                c.cancelled_at >= undoes,
                c.local_date >= today,
                c.starts_at > now,
                c.starts_at < until,
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
        self, provider_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[Booking]:
        c = bookings.c
        rows = await self._s.execute(
            select(bookings)
            .where(c.provider_id == provider_id, c.starts_at >= start, c.starts_at < end)
            .order_by(c.starts_at, c.booking_id)
        )
        return [_booking(r) for r in rows]


def _row(booking: Booking) -> dict[str, object]:
    row = to_row(booking)
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
