"""A mentee's subscriptions (enrollments). They are created by paid cycles, never here."""

from __future__ import annotations

from fastapi import APIRouter

from kairos_booking.entrypoints.deps import Uow
from kairos_booking.entrypoints.models import EnrollmentOut
from kairos_booking.service_layer.descriptions import Describer
from kairos_booking.service_layer.enrollments import my_enrollments
from kairos_platform.auth import MenteeOrAdmin
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["enrollments"])


@router.get("/me/enrollments", responses=problems(*AUTHENTICATED, 403))
async def mine(caller: MenteeOrAdmin, uow: Uow) -> list[EnrollmentOut]:
    """Your enrollments (one per programme): status, current cycle, upcoming sessions."""
    describe = Describer(uow)
    return [
        EnrollmentOut.of(view, await describe(view.offering.offering_id))
        for view in await my_enrollments(uow, caller)
    ]
