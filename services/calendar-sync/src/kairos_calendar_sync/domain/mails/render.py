"""Every mail Kairos sends about sessions and money, rendered from Jinja2 templates.

The wording is English; only the formats follow the reader's locale (dates, times and
amounts through Babel), and times are shown in the reader's zone with the provider's zone
beside them when it reads differently. ``templates/`` holds one layout per format
(``layout.txt.j2``, ``layout.html.j2``) and, per kind, ``<kind>.txt.j2`` (which also holds
the kind's ``subject`` block) and ``<kind>.html.j2``, both extending their layout. Only the
``.html.j2`` templates autoescape. The environment, the subject block, the tidied text and
Babel's formats are the platform's (``kairos_platform.mail_templates``), as attendance's
mails use them. No I/O but reading the templates from the package.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from jinja2 import Environment

from kairos_calendar_sync.domain.mails import wording
from kairos_calendar_sync.domain.mails.model import (
    Links,
    MailKind,
    Reader,
    ReceiptFacts,
    Rendered,
    SessionFacts,
    Topic,
    is_session_kind,
    topic_of,
)
from kairos_platform import mail_templates
from kairos_platform.mail_templates import DASH, ReaderClock, money, render_mail

PACKAGE = "kairos_calendar_sync.domain.mails"


def environment() -> Environment:
    """The one Jinja2 environment of these templates (the platform's, built once)."""
    return mail_templates.environment(PACKAGE)


def render(
    kind: MailKind,
    reader: Reader,
    facts: SessionFacts | ReceiptFacts,
    links: Links = Links(),  # noqa: B008 (frozen, so one shared default is safe)
) -> Rendered:
    """The subject, text and HTML of the ``kind`` mail to ``reader``.

    Session kinds take ``SessionFacts``, receipts ``ReceiptFacts`` (a ``TypeError`` when they
    do not match). A receipt never carries an unsubscribe link, even when ``links`` has one.
    """
    kind = MailKind(kind)
    context = _common(kind, reader, links)
    if is_session_kind(kind):
        if not isinstance(facts, SessionFacts):
            raise TypeError(f"{kind.value} mails take SessionFacts, not {type(facts).__name__}")
        context |= _session(reader, facts)
    else:
        if not isinstance(facts, ReceiptFacts):
            raise TypeError(f"{kind.value} mails take ReceiptFacts, not {type(facts).__name__}")
        context |= _receipt(reader, facts)

    mail = render_mail(environment(), kind.value, context)
    return Rendered(subject=mail.subject, text=mail.text, html=mail.html)


_TOPIC_LABELS = {
    Topic.CONFIRMATIONS: "booking updates",
    Topic.REMINDERS: "session reminders",
}


def _common(kind: MailKind, reader: Reader, links: Links) -> dict[str, Any]:
    topic = topic_of(kind)
    return {
        "kind": kind.value,
        "reader_name": reader.name,
        "is_receipt": topic is None,
        "topic": topic.value if topic is not None else None,
        "topic_label": _TOPIC_LABELS[topic] if topic is not None else None,
        "unsubscribe_url": links.unsubscribe_url if topic is not None else None,
        "preferences_url": links.preferences_url,
    }


@functools.lru_cache(maxsize=1024)
def _clock(locale: str, time_zone: str, provider_time_zone: str | None) -> ReaderClock:
    return ReaderClock.for_reader(locale, time_zone, provider_time_zone)


# Formatting with Babel is most of a session mail's rendering, and many mails tell the same
# times to readers of the same locale and zone (reminders due together are for sessions
# starting together). The strings are kept per everything they depend on: the locale, the
# reader's zone, the provider's zone, the instants and the reader's role.
@functools.lru_cache(maxsize=8192)
def _when(
    locale: str,
    time_zone: str,
    provider_time_zone: str,
    starts_at: datetime,
    ends_at: datetime | None,
    role: str,
) -> str:
    clock = _clock(locale, time_zone, provider_time_zone)
    return wording.when(clock, starts_at, ends_at, role)


@functools.lru_cache(maxsize=8192)
def _short(locale: str, time_zone: str, provider_time_zone: str, at: datetime) -> str:
    return _clock(locale, time_zone, provider_time_zone).short(at)


def _session(reader: Reader, facts: SessionFacts) -> dict[str, Any]:
    clock = _clock(reader.locale, reader.time_zone, facts.provider_time_zone)
    zones = (reader.locale, reader.time_zone, facts.provider_time_zone)
    refund = facts.refund
    previous = facts.previous_starts_at
    duration = facts.ends_at - facts.starts_at
    refunds = refund is not None and refund.amount_minor > 0
    return {
        "title": facts.title,
        "role": facts.role,
        "other_name": facts.other_name,
        "with_whom": wording.with_whom(facts.role, facts.other_name),
        "meeting_url": facts.meeting_url,
        "calendar_attached": facts.calendar_attached,
        "when": _when(*zones, facts.starts_at, facts.ends_at, facts.role),
        "when_short": _short(*zones, facts.starts_at),
        "previous_when": (
            _when(*zones, previous, previous + duration, facts.role)
            if previous is not None
            else None
        ),
        "cancelled_because": wording.cancelled_because(
            facts.cancellation_reason, facts.role, facts.other_name
        ),
        "refund": money(refund, clock.loc) if refund is not None and refunds else None,
        "nothing_refunded": refund is not None and not refunds,
        "restored_because": wording.restored_because(
            facts.restore_cause, facts.role, facts.other_name
        ),
        "lead": wording.lead(facts.minutes_before),
    }


def _receipt(reader: Reader, facts: ReceiptFacts) -> dict[str, Any]:
    # Receipts have no provider: the reader's zone, else UTC.
    clock = ReaderClock.for_reader(reader.locale, reader.time_zone, None)
    period = None
    if facts.period_start is not None and facts.period_end is not None:
        period = f"{clock.day(facts.period_start)} {DASH} {clock.day(facts.period_end)}"
    elif facts.period_start is not None:
        period = f"from {clock.day(facts.period_start)}"
    return {
        "amount": money(facts.amount, clock.loc),
        "what": facts.what,
        "paid_on": clock.long(facts.paid_at),
        "paid_day": clock.day(clock.local(facts.paid_at).date()),
        "reference": facts.reference,
        "credits": facts.credits,
        "period": period,
        "refund_reason": facts.refund_reason,
    }


__all__ = ["environment", "render"]
