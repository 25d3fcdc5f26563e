"""Settings of the attendance processes: the platform's, plus the join window, the sweep,
SMTP and the mails' links."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from kairos_attendance.domain.window import JoinWindow
from kairos_platform.mail import MailPolicy, exponential_backoff
from kairos_platform.settings import MailSettings


class AttendanceSettings(MailSettings):
    join_opens_before_min: float = Field(default=10, ge=0, alias="JOIN_OPENS_BEFORE_MIN")
    join_closes_after_min: float = Field(default=15, ge=0, alias="JOIN_CLOSES_AFTER_MIN")
    # A session that ended more than this long ago with no mark is an absence (the mentor
    # gets this long to mark it by hand first).
    sweep_grace_min: float = Field(default=15, ge=0, alias="SWEEP_GRACE_MIN")
    sweep_interval_s: float = Field(default=300, gt=0, alias="SWEEP_INTERVAL_S")
    # Moves this service's "now" forward (seconds). Never set in production: it lets a demo
    # or the end-to-end suite see sessions booked for the coming days as started or past
    # (join, mentor marks, the sweep) without waiting for them, like Stripe's test clocks.
    clock_offset_s: float = Field(default=0, ge=0, alias="ATTENDANCE_CLOCK_OFFSET_S")
    sweep_batch_size: int = Field(default=2000, ge=1, le=10000, alias="SWEEP_BATCH_SIZE")
    # Batches one sweeper keeps in flight (each its own transaction and connection), so its
    # Python work overlaps PostgreSQL's; SKIP LOCKED keeps them apart as it does replicas.
    sweep_concurrency: int = Field(default=2, ge=1, le=8, alias="SWEEP_CONCURRENCY")

    # SMTP_HOST, SMTP_PORT and MAIL_BATCH_SIZE: MailSettings
    smtp_from: str = Field(default="Kairos <attendance@kairos.local>", alias="SMTP_FROM")
    mail_poll_interval_s: float = Field(default=2.0, gt=0, alias="MAIL_POLL_INTERVAL_S")
    mail_lease_s: float = Field(default=60.0, gt=0, alias="MAIL_LEASE_S")
    mail_backoff_base_s: float = Field(default=5.0, ge=0, alias="MAIL_BACKOFF_BASE_S")
    mail_backoff_max_s: float = Field(default=600.0, ge=0, alias="MAIL_BACKOFF_MAX_S")
    # Where the footer sends people to manage (optional) notifications.
    app_url: str = Field(default="http://localhost:8080", alias="APP_URL")

    @property
    def window(self) -> JoinWindow:
        return JoinWindow(
            timedelta(minutes=self.join_opens_before_min),
            timedelta(minutes=self.join_closes_after_min),
        )

    @property
    def sweep_grace(self) -> timedelta:
        return timedelta(minutes=self.sweep_grace_min)

    @property
    def mail_policy(self) -> MailPolicy:
        return MailPolicy(
            batch_size=self.mail_batch_size,
            lease_s=self.mail_lease_s,
            poll_interval_s=self.mail_poll_interval_s,
            backoff_s=exponential_backoff(self.mail_backoff_base_s, self.mail_backoff_max_s),
            sessions=self.mail_sessions,
        )
