"""SQL repository of the booking projection."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters.orm import bookings
from kairos_calendar_sync.domain.bookings import Booking, Participant, Status
from kairos_platform.db import newer_wins


def to_booking(row: Row[Any]) -> Booking:
    m = row._mapping
    return Booking(
        booking_id=m["booking_id"],
        sequence=m["sequence"],
        status=Status(m["status"]),
        title=m["title"],
        starts_at=m["starts_at"],
        ends_at=m["ends_at"],
        time_zone=m["time_zone"],
        provider=Participant(m["provider_user_id"], m["provider_email"], m["provider_name"]),
        mentee=Participant(m["mentee_user_id"], m["mentee_email"], m["mentee_name"]),
        meeting_url=m["meeting_url"],
        reminder_minutes=None if m["reminder_minutes"] is None else tuple(m["reminder_minutes"]),
    )


def _values(b: Booking) -> dict[str, Any]:
    return {
        "booking_id": b.booking_id,
        "sequence": b.sequence,
        "status": b.status.value,
        "title": b.title,
        "starts_at": b.starts_at,
        "ends_at": b.ends_at,
        "time_zone": b.time_zone,
        "provider_user_id": b.provider.user_id,
        "provider_email": b.provider.email,
        "provider_name": b.provider.name,
        "mentee_user_id": b.mentee.user_id,
        "mentee_email": b.mentee.email,
        "mentee_name": b.mentee.name,
        "meeting_url": b.meeting_url,
        "reminder_minutes": None if b.reminder_minutes is None else list(b.reminder_minutes),
    }


_APPLY = newer_wins(
    bookings, "booking_id", "sequence", [c.name for c in bookings.c if c.name != "booking_id"]
)


_GET = select(bookings).where(bookings.c.booking_id == bindparam("booking_id"))


class SqlBookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def apply(self, b: Booking) -> bool:
        """Store ``b`` unless we already hold this booking at an equal or higher sequence.

        One statement, so two replicas (or a replay racing the original) cannot both win.
        """
        return (await self._s.execute(_APPLY, _values(b))).first() is not None

    async def get(self, booking_id: uuid.UUID) -> Booking | None:
        first = (await self._s.execute(_GET, {"booking_id": booking_id})).first()
        return to_booking(first) if first else None

    async def many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, Booking]:
        rows = await self._s.execute(select(bookings).where(bookings.c.booking_id.in_(ids)))
        return {r.booking_id: to_booking(r) for r in rows}

    async def live_for_user(self, user_id: uuid.UUID) -> list[Booking]:
        q = (
            select(bookings)
            .where(
                or_(bookings.c.provider_user_id == user_id, bookings.c.mentee_user_id == user_id)
            )
            .where(bookings.c.status == Status.CONFIRMED.value)
            .order_by(bookings.c.starts_at)
        )
        return [to_booking(r) for r in await self._s.execute(q)]
