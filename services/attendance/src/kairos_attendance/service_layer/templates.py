"""Mail templates (plain text + HTML, ``string.Template``) and the one footer.

The footer is deliberately not a one-click unsubscribe: warnings, reprobations and
reactivations are account notices the mentee and mentor must get while subscribed; it
links to the notification settings for everything optional instead (README: Mails).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

SUBJECTS = {
    "warning_mentee": "You missed a session: $title",
    "warning_mentor": "$mentee_name missed a session: $title",
    "reprobation_mentee": "Your sessions of $title are suspended",
    "reprobation_mentor": "$mentee_name is reprobated: $title",
    "reactivation_mentee": "You are back in $title",
}


@dataclass(frozen=True)
class Mail:
    """A mail to send: which template, with which values. Rendered only when sent, so the
    sweep's transactions stay small (values are a few hundred bytes, bodies kilobytes)."""

    dedupe_key: str
    recipient: str
    template: str
    values: dict[str, str]


@dataclass(frozen=True)
class QueuedMail:
    """A mail as its queue hands it to the mail job (``kairos_platform.mail``)."""

    id: int
    mail: Mail
    attempts: int


@dataclass(frozen=True)
class Rendered:
    dedupe_key: str
    recipient: str
    subject: str
    body_text: str
    body_html: str


def rendered(mail: Mail) -> Rendered:
    subject, text, body = render(mail.template, mail.values)
    return Rendered(mail.dedupe_key, mail.recipient, subject, text, body)


@cache
def _template(name: str) -> Template:
    text = resources.files("kairos_attendance.templates").joinpath(name).read_text("utf-8")
    return Template(text)


def render(kind: str, values: dict[str, str]) -> tuple[str, str, str]:
    """(subject, text, html) for ``kind``; values are escaped for the HTML part."""
    safe = {k: html.escape(v) for k, v in values.items()}
    subject = Template(SUBJECTS[kind]).safe_substitute(values)
    text = _template(f"{kind}.txt").safe_substitute(values)
    text += _template("footer.txt").safe_substitute(values)
    body = _template(f"{kind}.html").safe_substitute(safe)
    body += _template("footer.html").safe_substitute(safe)
    return subject, text, f"<html><body>{body}</body></html>"
