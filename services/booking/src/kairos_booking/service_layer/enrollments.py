"""What a mentee sees of their subscriptions: each enrollment with its offering, status,
current cycle and upcoming sessions (restored ones included as soon as they are)."""

from __future__ import annotations

from dataclasses import dataclass

from kairos_booking.domain.model import Booking, Enrollment, Offering
from kairos_booking.service_layer.ports import BookingUow
from kairos_platform.auth import Principal


@dataclass(frozen=True)
class EnrollmentView:
    enrollment: Enrollment
    offering: Offering
    upcoming: list[Booking]


async def my_enrollments(uow: BookingUow, caller: Principal) -> list[EnrollmentView]:
    now = uow.now()
    out: list[EnrollmentView] = []
    for enrollment in await uow.enrollments.for_mentee(caller.user_id):
        offering = await uow.catalog.get_offering(enrollment.offering_id)
        assert offering is not None  # foreign key
        upcoming = await uow.bookings.upcoming_of(enrollment.enrollment_id, now)
        out.append(EnrollmentView(enrollment, offering, upcoming))
    return out
