"""Settings of the calendar-sync processes: the platform's, plus calendars, SMTP and knobs."""

from __future__ import annotations

from pydantic import Field

from kairos_platform.settings import MailSettings

#: A development-only Fernet key. Anyone reading this source can decrypt what it sealed, so
#: the service logs a loud warning whenever it is used (see adapters/secrets.py).
DEV_SECRET_KEY = "a2Fpcm9zLWRldi1vbmx5LWNhbGVuZGFyLWtleS0wMDA="


class CalendarSettings(MailSettings):
    # The stack's CalDAV server (Radicale locally); users connect their own calendars.
    caldav_url: str | None = Field(default=None, alias="CALDAV_URL")
    # SMTP_HOST, SMTP_PORT and MAIL_BATCH_SIZE: MailSettings
    smtp_from: str = Field(default="Kairos <calendar@kairos.local>", alias="SMTP_FROM")
    # Fernet key for connection credentials at rest.
    calendar_secret_key: str = Field(default=DEV_SECRET_KEY, alias="CALENDAR_SECRET_KEY")
    # Google Calendar API base (tests point it at recorded shapes served locally).
    google_api_base: str = Field(
        default="https://www.googleapis.com/calendar/v3/", alias="GOOGLE_API_BASE"
    )
    google_token_uri: str = Field(
        default="https://oauth2.googleapis.com/token", alias="GOOGLE_TOKEN_URI"
    )
    calendar_timeout_s: float = Field(default=10.0, alias="CALENDAR_TIMEOUT_S")

    sync_batch_size: int = Field(default=50, alias="SYNC_BATCH_SIZE")
    sync_poll_interval_s: float = Field(default=1.0, alias="SYNC_POLL_INTERVAL_S")
    # A claimed row belongs to its worker this long (longer than any calendar call).
    sync_lease_s: float = Field(default=60.0, alias="SYNC_LEASE_S")
    sync_backoff_base_s: float = Field(default=1.0, alias="SYNC_BACKOFF_BASE_S")
    sync_backoff_max_s: float = Field(default=300.0, alias="SYNC_BACKOFF_MAX_S")
    # This many failures in a row mark a connection broken (the user must test/reconnect).
    broken_after_failures: int = Field(default=8, alias="CALENDAR_BROKEN_AFTER_FAILURES")
    reconcile_interval_s: float = Field(default=300.0, alias="CALENDAR_RECONCILE_INTERVAL_S")
