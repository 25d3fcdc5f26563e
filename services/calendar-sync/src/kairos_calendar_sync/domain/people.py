"""Whom calendar-sync mails, and what each person chose: time zone, locale, topics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from kairos_calendar_sync.domain.mails.model import Reader, Topic

DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    email: str | None = None
    name: str | None = None
    #: what the person chose (or their token said); None: the provider's zone, English
    time_zone: str | None = None
    locale: str | None = None
    #: set through the API: from then on a token's claims do not override the choice
    chosen_at: datetime | None = None
    unsubscribed: frozenset[Topic] = field(default_factory=frozenset)

    def reader(self, provider_time_zone: str) -> Reader:
        """How a mail to this person shows times and amounts: in their zone and locale, or
        the session's provider's zone and English when they never said."""
        return Reader(
            name=self.name,
            time_zone=self.time_zone or provider_time_zone,
            locale=self.locale or DEFAULT_LOCALE,
        )

    def receives(self, topic: Topic | None) -> bool:
        """Receipts (topic None) always go; a topic the person unsubscribed from does not."""
        return topic is None or topic not in self.unsubscribed


def nobody(user_id: uuid.UUID) -> Person:
    """A person we know nothing of yet (no token seen, no event naming them)."""
    return Person(user_id)
