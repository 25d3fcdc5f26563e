"""Settings of the calendar-sync processes: the platform's, plus calendars, SMTP and knobs."""

from __future__ import annotations

from pydantic import Field

from kairos_platform.settings import MailSettings

#: A development-only Fernet key. Anyone reading this source can decrypt what it sealed, so
#: the service logs a loud warning whenever it is used (see adapters/secrets.py).
DEV_SECRET_KEY = "a2Fpcm9zLWRldi1vbmx5LWNhbGVuZGFyLWtleS0wMDA="
#: A development-only key for unsubscribe links: with it anyone can unsubscribe anyone.
DEV_LINK_KEY = "kairos-dev-only-mail-link-key"


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

    # Where people reach Kairos (the gateway): links in mails (unsubscribe, preferences).
    public_url: str = Field(default="http://127.0.0.1:8080", alias="PUBLIC_URL")
    # Signs one-click unsubscribe links (RFC 8058).
    mail_link_key: str = Field(default=DEV_LINK_KEY, alias="MAIL_LINK_KEY")
    # The reminder job: how many due reminders one transaction turns into mails, and how
    # often it looks when none were due.
    reminder_batch_size: int = Field(default=500, ge=1, alias="REMINDER_BATCH_SIZE")
    reminder_poll_interval_s: float = Field(default=5.0, gt=0, alias="REMINDER_POLL_INTERVAL_S")
    # Tests and demos only: seconds to move "now" ahead, fixed or read from a file that
    # can be rewritten while the service runs (kairos_platform.clock.FileOffsetClock).
    clock_offset_s: float = Field(default=0, ge=0, alias="CALENDAR_SYNC_CLOCK_OFFSET_S")
    clock_offset_file: str | None = Field(default=None, alias="CALENDAR_SYNC_CLOCK_OFFSET_FILE")
