"""SQL repository for enrollments, their paid cycles and the occurrences they could not get.

Every handler of a subscription (cycle paid, unsubscribed, reactivated) starts by locking
the enrollment row (``enroll``/``get(lock=True)``), so the handlers of one enrollment
serialise whatever topic their events came from.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_booking.adapters.orm import enrollment_cycles, enrollments, occurrence_rejections
from kairos_booking.adapters.rows import to_obj, to_row
from kairos_booking.domain.model import (
    CycleRecord,
    Enrollment,
    EnrollmentStatus,
    OccurrenceRejection,
    Offering,
)


class SqlEnrollmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def enroll(
        self, offering: Offering, mentee_id: uuid.UUID, subscription_id: uuid.UUID
    ) -> Enrollment:
        """The enrollment of (offering, mentee), created if new, row-locked. A new one
        belongs to ``subscription_id``; an existing one is returned as it is."""
        await self._s.execute(
            insert(enrollments)
            .values(
                enrollment_id=uuid.uuid4(),
                offering_id=offering.offering_id,
                provider_id=offering.provider_id,
                mentee_id=mentee_id,
                subscription_id=subscription_id,
                status=str(EnrollmentStatus.ACTIVE),
            )
            .on_conflict_do_nothing(index_elements=["offering_id", "mentee_id"])
        )
        found = await self.get(offering.offering_id, mentee_id, lock=True)
        assert found is not None
        return found

    async def get(
        self, offering_id: uuid.UUID, mentee_id: uuid.UUID, *, lock: bool = False
    ) -> Enrollment | None:
        c = enrollments.c
        query = select(enrollments).where(c.offering_id == offering_id, c.mentee_id == mentee_id)
        if lock:
            query = query.with_for_update()
        row = (await self._s.execute(query)).first()
        return _enrollment(row) if row else None

    async def save(self, enrollment: Enrollment) -> None:
        row = to_row(enrollment)
        row["status"] = str(enrollment.status)
        await self._s.execute(
            update(enrollments)
            .where(enrollments.c.enrollment_id == enrollment.enrollment_id)
            .values(**row, updated_at=func.now())
        )

    async def for_mentee(self, mentee_id: uuid.UUID) -> list[Enrollment]:
        query = (
            select(enrollments)
            .where(enrollments.c.mentee_id == mentee_id)
            .order_by(enrollments.c.created_at)
        )
        return [_enrollment(r) for r in await self._s.execute(query)]

    async def cycle_payment(
        self, enrollment_id: uuid.UUID, subscription_id: uuid.UUID, number: int
    ) -> uuid.UUID | None:
        """The payment that already paid this cycle, if any."""
        c = enrollment_cycles.c
        return await self._s.scalar(
            select(c.payment_id).where(
                c.enrollment_id == enrollment_id,
                c.subscription_id == subscription_id,
                c.number == number,
            )
        )

    async def add_cycle(self, cycle: CycleRecord) -> None:
        await self._s.execute(enrollment_cycles.insert().values(**to_row(cycle)))

    async def add_rejection(self, rejection: OccurrenceRejection) -> None:
        await self._s.execute(occurrence_rejections.insert().values(**to_row(rejection)))

    async def rejections(self, enrollment_id: uuid.UUID) -> list[OccurrenceRejection]:
        c = occurrence_rejections.c
        rows = await self._s.execute(
            select(occurrence_rejections)
            .where(c.enrollment_id == enrollment_id)
            .order_by(c.starts_at)
        )
        return [to_obj(OccurrenceRejection, r) for r in rows]


def _enrollment(row: object) -> Enrollment:
    enrollment = to_obj(Enrollment, row)
    enrollment.status = EnrollmentStatus(enrollment.status)
    return enrollment
