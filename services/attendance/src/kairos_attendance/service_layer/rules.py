"""Apply the absence rules after marks change, for a whole batch of enrollments at once:
the absence opening a run warns, two absences in a row reprobate.

In the transaction that changed the marks: lock the enrollments' standing rows (id order),
judge each enrollment's ordered history (domain.streaks.judge), announce what is new
(a notice row per warning / reprobation, inserted once), emit MenteeWarned /
MenteeReprobated, queue their mails, and store streak, absences and status.

While an enrollment is reprobated nothing more is announced: the reprobation stands until
a reactivation, and a mentor's correction (absent -> attended) changes the streak and the
counts but does not lift it (README: Rules).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.sessions import Session
from kairos_attendance.domain.streaks import Verdict, judge, standing
from kairos_attendance.service_layer import notifications as n
from kairos_attendance.service_layer import outgoing
from kairos_attendance.service_layer.ports import AttendanceUow, Notice
from kairos_attendance.service_layer.templates import Mail
from kairos_contracts import Event


@dataclass
class Outcome:
    #: each absence -> its place in its run (for AbsenceRecorded.consecutive_absences)
    positions: dict[uuid.UUID, int] = field(default_factory=dict)
    mails: list[Mail] = field(default_factory=list)
    #: MenteeWarned / MenteeReprobated, in announcement order
    events: list[Event] = field(default_factory=list)


def _wanted(enrollment: Enrollment, v: Verdict) -> list[Notice]:
    if enrollment.reprobated:
        return []
    eid = enrollment.enrollment_id
    wanted = [(eid, "warned", str(b)) for b in v.warn]
    if v.reprobate:
        # keyed by the run's second absence: it stays the same while the run grows
        wanted.append((eid, "reprobated", str(v.reprobate[1])))
    return wanted


async def evaluate(
    uow: AttendanceUow,
    enrollment_ids: Sequence[uuid.UUID],
    now: datetime,
    app_url: str,
    known: Mapping[uuid.UUID, Session] | None = None,
) -> Outcome:
    """``known``: sessions the caller holds already (not read again)."""
    out = Outcome()
    if not enrollment_ids:
        return out
    locked = await uow.standings.lock(enrollment_ids)
    marks = await uow.sessions.marks_of(list(locked))
    verdicts = {eid: judge(marks[eid], reset_at=e.reactivated_at) for eid, e in locked.items()}
    wanted = [w for eid, e in locked.items() for w in _wanted(e, verdicts[eid])]
    new = await uow.standings.announce(wanted)
    # only what the announcements print: the warned absence, a run's last absence
    needed = {uuid.UUID(key) for _, kind, key in new if kind == "warned"}
    for eid, kind, _ in new:
        run = verdicts[eid].reprobate
        if kind == "reprobated" and run is not None:  # always a run: _wanted asked for it
            needed.add(run[-1])
    sessions = dict(known or {})
    sessions.update(await uow.sessions.many([b for b in needed if b not in sessions]))
    for eid, kind, key in sorted(new, key=lambda w: (str(w[0]), w[1] != "warned")):
        e, v = locked[eid], verdicts[eid]
        if kind == "warned":
            _warn(out, e, sessions[uuid.UUID(key)], now, app_url)
        else:
            assert v.reprobate is not None
            _reprobate(out, e, v.reprobate, sessions[v.reprobate[-1]], now, app_url)
    for eid, e in locked.items():
        v = verdicts[eid]
        e.streak, e.absences = v.streak, v.absences
        e.status = standing(v, reprobated=e.reprobated)
        out.positions.update(v.positions)
    await uow.standings.save_many(list(locked.values()))
    await uow.mails.add(out.mails)
    uow.emit_many(out.events)
    return out


def _warn(out: Outcome, e: Enrollment, s: Session, now: datetime, app_url: str) -> None:
    out.events.append(outgoing.mentee_warned(e, s, now))
    out.mails += n.mails("warning", e, s, str(s.booking_id), app_url, to_mentor=True)


def _reprobate(
    out: Outcome,
    e: Enrollment,
    run: tuple[uuid.UUID, ...],
    last: Session,
    now: datetime,
    app_url: str,
) -> None:
    """The run's last absence names the cycle whose remaining sessions booking cancels."""
    e.reprobated_at = now
    out.events.append(outgoing.mentee_reprobated(e, run, last, now))
    occurrence = str(run[1])  # the notice's key: one reprobation per run
    out.mails += n.mails(
        "reprobation", e, last, occurrence, app_url, to_mentor=True, absences=len(run)
    )
