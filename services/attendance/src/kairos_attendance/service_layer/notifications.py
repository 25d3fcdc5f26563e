"""What a warning, a reprobation or a reactivation says in mails (the contract events
they also emit are built in outgoing.py).

Built from the projection only (attendance never asks booking). Each mail's dedupe key is
(enrollment, kind, occurrence, recipient), so it is queued once however often the rules
run; the notice table keeps the event single the same way.
"""

from __future__ import annotations

from kairos_attendance.domain.enrollments import Enrollment
from kairos_attendance.domain.sessions import Session
from kairos_attendance.service_layer.templates import Mail


def _values(e: Enrollment, s: Session, app_url: str, absences: int) -> dict[str, str]:
    """What every recipient's mail says; the instants stay instants, formatted when the mail
    is sent in its reader's zone and locale (``templates.render``)."""
    cycle_end = s.cycle_ends_at or s.ends_at
    return {
        "mentee_name": e.mentee_name or "there",
        "mentor_name": e.provider_name or "your mentor",
        "title": s.title,
        "starts_at": s.starts_at.isoformat(),
        "cycle_ends_at": cycle_end.isoformat(),
        "provider_time_zone": s.time_zone,
        "absences": str(absences),
        "dashboard_url": f"{app_url.rstrip('/')}/mentor/subscribers",
        "settings_url": f"{app_url.rstrip('/')}/settings/notifications",
    }


def mails(
    kind: str,
    e: Enrollment,
    s: Session,
    occurrence: str,
    app_url: str,
    *,
    to_mentor: bool,
    absences: int = 0,
) -> list[Mail]:
    """The mails of one notice: to the mentee, and to the mentor when ``to_mentor``."""
    values = _values(e, s, app_url, absences)
    who = [("mentee", e.mentee_user_id, e.mentee_email)]
    if to_mentor:
        who.append(("mentor", e.provider_user_id, e.provider_email))
    out = []
    for role, user_id, address in who:
        if not address:
            continue  # booking knew no address: nothing to send to
        key = f"{e.enrollment_id}:{kind}:{occurrence}:{user_id}"
        out.append(Mail(key, address, f"{kind}_{role}", {**values, "reader_id": str(user_id)}))
    return out
