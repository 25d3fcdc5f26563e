"""A mentor's subscribers: the dashboard of standings, and lifting a reprobation."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from kairos_attendance.entrypoints.deps import Ctx, Uow
from kairos_attendance.entrypoints.schemas import ReactivatedOut, SubscriberOut, SubscribersPage
from kairos_attendance.service_layer import dashboard, reactivation
from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.ports import AttendanceUow
from kairos_platform.auth import MentorOrAdmin, Principal
from kairos_platform.pagination import PageQuery, PageRequest, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["subscribers"])

#: the dashboard's sort key: the mentee's name (unnamed last), then the enrollment id
_SUBSCRIBER_KEY = (str | None, uuid.UUID)


async def _dashboard(
    uow: AttendanceUow, ctx: Context, caller: Principal, mentor: uuid.UUID, page: PageRequest
) -> SubscribersPage:
    rows = await dashboard.subscribers(
        uow, ctx, caller, mentor, page.key(*_SUBSCRIBER_KEY), page.limit + 1
    )
    got = page_of(rows, page.limit, lambda row: (row[0].mentee_name, row[0].enrollment_id))
    return SubscribersPage(
        items=[SubscriberOut.of(e, recent) for e, recent in got.items],
        next_cursor=got.next_cursor,
        has_more=got.has_more,
    )


@router.get("/mentors/me/subscribers", responses=problems(*AUTHENTICATED, 403, 422))
async def my_subscribers(
    user: MentorOrAdmin, page: PageQuery, uow: Uow, ctx: Ctx
) -> SubscribersPage:
    """The caller's subscribers by mentee name, each with their standing and last five
    sessions."""
    return await _dashboard(uow, ctx, user, user.user_id, page)


@router.get(
    "/mentors/{mentor_id}/subscribers",
    responses=problems(
        *AUTHENTICATED, 403, 422, s403="Not a mentor, or another mentor's (`not-owner`)."
    ),
)
async def subscribers_of(
    mentor_id: uuid.UUID, user: MentorOrAdmin, page: PageQuery, uow: Uow, ctx: Ctx
) -> SubscribersPage:
    """A mentor's subscribers: the mentor's own, or anyone's for an admin."""
    return await _dashboard(uow, ctx, user, mentor_id, page)


@router.post(
    "/enrollments/{enrollment_id}/reactivate",
    responses=problems(
        *AUTHENTICATED,
        403,
        404,
        409,
        422,
        s404="No such subscriber of yours (another mentor's is not shown either).",
        s409="Not reprobated (`not-reprobated`), no cycle known yet (`no-cycle`), or a "
        "request with this Idempotency-Key is still running.",
    ),
)
async def reactivate(
    enrollment_id: uuid.UUID, user: MentorOrAdmin, uow: Uow, ctx: Ctx
) -> ReactivatedOut:
    """The subscriber's mentor (or an admin) lifts a reprobation: booking restores the
    sessions it cancelled for it (future ones, up to the paid cycle's end)."""
    return ReactivatedOut.of(await reactivation.reactivate(uow, ctx, user, enrollment_id))
