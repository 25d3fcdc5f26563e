"""Who reads attendance's mails, as calendar-sync tells it (``MailPreferencesChanged``):
each person's time zone and locale for mail, the latest ``changed_at`` winning."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Reader:
    user_id: uuid.UUID
    #: an IANA zone and a locale identifier; None: no preference (the mail's fallback: the
    #: provider's zone, English)
    time_zone: str | None
    locale: str | None
    #: when calendar-sync saw this preference (orders the events we get)
    changed_at: datetime
