"""MailPreferencesChanged -> the readers projection: the time zone and locale attendance's
mails are rendered in (``templates.render``, when they are sent).

calendar-sync owns the preferences; attendance never reads its tables. Events of one
person come in order on their key, and the latest ``changed_at`` wins anyway, so a replay
or a stale event changes nothing.
"""

from __future__ import annotations

from kairos_attendance.domain.readers import Reader
from kairos_attendance.service_layer.ports import AttendanceUow
from kairos_contracts import Envelope
from kairos_contracts.events.calendar import MailPreferencesChanged


def to_reader(e: MailPreferencesChanged) -> Reader:
    return Reader(
        user_id=e.user_id, time_zone=e.time_zone, locale=e.locale, changed_at=e.changed_at
    )


async def on_mail_preferences_changed(
    e: MailPreferencesChanged, env: Envelope, uow: AttendanceUow
) -> None:
    await uow.readers.apply(to_reader(e))
