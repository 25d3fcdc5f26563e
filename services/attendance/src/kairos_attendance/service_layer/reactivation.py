"""Reactivation: only the subscriber's mentor (or an admin) lifts a reprobation.

One transaction: the standing is cleared (streak restarts from now), MenteeReactivated is
emitted naming the reprobation it undoes and the enrollment's latest cycle (booking
restores the sessions it cancelled for that reprobation, future ones only, never past the
cycle end), and the mentee's mail is queued.
"""

from __future__ import annotations

import uuid

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.streaks import Standing
from kairos_attendance.service_layer import notifications as n
from kairos_attendance.service_layer import outgoing
from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.ports import AttendanceUow
from kairos_contracts.types import Actor
from kairos_platform.auth import Principal, is_admin
from kairos_platform.refusals import Conflict, NotFound


async def reactivate(
    uow: AttendanceUow, ctx: Context, caller: Principal, enrollment_id: uuid.UUID
) -> Enrollment:
    now = uow.now()
    e = await uow.standings.get(enrollment_id, lock=True)
    admin = is_admin(caller)
    # another mentor learns nothing about this enrollment, not even that it exists
    if e is None or (not admin and e.provider_user_id != caller.user_id):
        raise NotFound("No such subscriber of yours.")
    if e.reprobated_at is None:
        raise Conflict("This subscriber is not reprobated.", slug="not-reprobated")
    latest = (await uow.sessions.latest_of([enrollment_id])).get(enrollment_id)
    if latest is None:
        raise Conflict("No cycle is known for this subscriber yet.", slug="no-cycle")
    undone = e.reprobated_at
    by = Actor.ADMIN if admin else Actor.MENTOR
    uow.emit(outgoing.mentee_reactivated(e, latest, undone, by, caller.user_id, now))
    e.reprobated_at, e.reactivated_at = None, now
    e.streak, e.status = 0, Standing.ACTIVE
    await uow.standings.save_many([e])
    await uow.mails.add(
        n.mails(
            "reactivation", e, latest, undone.isoformat(), ctx.settings.app_url, to_mentor=False
        )
    )
    await uow.commit()
    return e
