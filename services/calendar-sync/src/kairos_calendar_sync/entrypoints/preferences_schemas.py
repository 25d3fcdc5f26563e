"""What the mail-preference routes read and answer (``entrypoints/preferences_routes.py``)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue

from kairos_calendar_sync.domain.mails.model import Topic
from kairos_calendar_sync.domain.people import Person
from kairos_calendar_sync.domain.preferences import LOCALE_MAX, TOPICS, normalized_locale
from kairos_contracts.types import TimeZoneName

LocaleName = Annotated[
    str,
    Field(
        max_length=LOCALE_MAX,
        description="A locale Babel knows, with `-` or `_` (`es-ES`, `es_ES`, `de`); kept "
        "as `es_ES`.",
    ),
    AfterValidator(normalized_locale),
]

_PREFERENCES: dict[str, JsonValue] = {
    "time_zone": "Europe/Madrid",
    "locale": "es_ES",
    "unsubscribed": ["reminders"],
}


class MailPreferencesIn(BaseModel):
    """The whole choice, replacing the one before (null: the session's provider's zone, or
    English). Receipts are not a topic: they always come."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_PREFERENCES]})

    time_zone: TimeZoneName | None = Field(description="An IANA zone (`Europe/Madrid`).")
    locale: LocaleName | None
    unsubscribed: list[Topic] = Field(
        max_length=16, description="The topics whose mails stop (a repeat counts once)."
    )


class MailPreferencesOut(BaseModel):
    """The person's mail preferences. Until they choose (``chosen`` false) the zone and
    locale are what their sign-in token said, if it said."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**_PREFERENCES, "topics": [t.value for t in TOPICS], "chosen": True}]
        }
    )

    time_zone: str | None = Field(description="null: each session's provider's zone.")
    locale: str | None = Field(description="null: English.")
    unsubscribed: list[Topic]
    topics: list[Topic] = Field(description="Every topic one may unsubscribe from.")
    chosen: bool = Field(description="Set through this API (tokens no longer change it).")

    @classmethod
    def of(cls, p: Person) -> Self:
        return cls(
            time_zone=p.time_zone,
            locale=p.locale,
            unsubscribed=[t for t in TOPICS if t in p.unsubscribed],
            topics=list(TOPICS),
            chosen=p.chosen_at is not None,
        )


class UnsubscribedOut(BaseModel):
    """One topic stopped by a one-click link (RFC 8058)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"topic": "reminders", "unsubscribed": True}]}
    )

    topic: Topic
    unsubscribed: bool = True
