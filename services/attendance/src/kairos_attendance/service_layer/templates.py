"""Attendance's mails: Jinja2 templates (``templates/``: one layout per format holding the
footer, and per kind ``<kind>.txt.j2`` with its ``subject`` block and ``<kind>.html.j2``),
rendered through ``kairos_platform.mail_templates`` when the mail is sent, for its reader.

The wording is English; the session's time and the cycle's end follow the reader's zone
and locale (the ``readers`` projection, from calendar-sync's ``MailPreferencesChanged``),
the provider's zone named beside the time when it reads differently; a reader with no
preference gets the provider's zone and English.

The footer is deliberately not a one-click unsubscribe: warnings, reprobations and
reactivations are account notices the mentee and mentor must get while subscribed; it
links to the notification settings for everything optional instead (README: Mails).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kairos_attendance.domain.readers import Reader
from kairos_platform.mail_templates import ReaderClock, environment, render_mail

PACKAGE = "kairos_attendance"
KINDS = (
    "warning_mentee",
    "warning_mentor",
    "reprobation_mentee",
    "reprobation_mentor",
    "reactivation_mentee",
)


@dataclass(frozen=True)
class Mail:
    """A mail to send: which template, with which values. Rendered only when sent, so the
    sweep's transactions stay small (values are a few hundred bytes, bodies kilobytes) and
    the reader's latest zone and locale are the ones used.

    ``values``: the names (``mentee_name``, ``mentor_name``, ``title``, ``absences``,
    ``dashboard_url``, ``settings_url``), the instants as ISO 8601 (``starts_at``,
    ``cycle_ends_at``), the provider's zone (``provider_time_zone``) and the recipient's
    user id (``reader_id``). Mails queued before the readers projection carry
    ``session_time`` and ``cycle_end`` already formatted instead, and are sent as they are.
    """

    dedupe_key: str
    recipient: str
    template: str
    values: dict[str, str]

    @property
    def reader_id(self) -> uuid.UUID | None:
        found = self.values.get("reader_id")
        return uuid.UUID(found) if found else None


@dataclass(frozen=True)
class QueuedMail:
    """A mail as its queue hands it to the mail job (``kairos_platform.mail``), with its
    reader's preferences as the projection holds them at that moment (None: none known)."""

    id: int
    mail: Mail
    attempts: int
    reader: Reader | None = None


@dataclass(frozen=True)
class Rendered:
    dedupe_key: str
    recipient: str
    subject: str
    body_text: str
    body_html: str


def rendered(mail: Mail, reader: Reader | None = None) -> Rendered:
    subject, text, body = render(mail.template, mail.values, reader)
    return Rendered(mail.dedupe_key, mail.recipient, subject, text, body)


def _whose(kind: str) -> str:
    """Whose clock the provider's is, for the reader of ``kind``."""
    return "your own schedule's time" if kind.endswith("_mentor") else "the mentor's time"


def context(kind: str, values: dict[str, str], reader: Reader | None) -> dict[str, Any]:
    """What the templates of ``kind`` see: the values, with ``session_time`` and
    ``cycle_end`` formatted for ``reader``."""
    out: dict[str, Any] = dict(values)
    starts_at = values.get("starts_at")
    if starts_at is None:
        return out  # queued with its times formatted already (before migration 0006)
    clock = ReaderClock.for_reader(
        reader.locale if reader else None,
        reader.time_zone if reader else None,
        values.get("provider_time_zone"),
    )
    out["session_time"] = clock.when(datetime.fromisoformat(starts_at), whose=_whose(kind))
    cycle_end = clock.local(datetime.fromisoformat(values.get("cycle_ends_at") or starts_at))
    out["cycle_end"] = clock.day(cycle_end.date(), "long")
    return out


def render(kind: str, values: dict[str, str], reader: Reader | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of ``kind`` for ``reader``; values are escaped in the HTML
    part only."""
    mail = render_mail(environment(PACKAGE), kind, context(kind, values, reader))
    return mail.subject, mail.text, mail.html
