"""Render every mail kind with sample facts so a person can look at them:

    python -m kairos_calendar_sync.domain.mails.preview --out DIR [--locale L] [--time-zone Z]

writes ``DIR/<kind>.txt``, ``DIR/<kind>.html`` and ``DIR/index.html`` (linking them all) and
prints the paths it wrote, one a line.
"""

from __future__ import annotations

import argparse
import dataclasses
import html
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from kairos_calendar_sync.domain.mails.model import (
    Links,
    MailKind,
    Money,
    Reader,
    ReceiptFacts,
    Rendered,
    SessionFacts,
    topic_of,
)
from kairos_calendar_sync.domain.mails.render import render

PROVIDER_TIME_ZONE = "America/New_York"
_STARTS = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
_SESSION = SessionFacts(
    title="Career mentoring: system design review",
    starts_at=_STARTS,
    ends_at=_STARTS + timedelta(hours=1),
    provider_time_zone=PROVIDER_TIME_ZONE,
    role="mentee",
    other_name="Grace Hopper",
    meeting_url="https://meet.example.com/kairos-7f3a",
)
_PAID = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def sample_facts() -> dict[MailKind, SessionFacts | ReceiptFacts]:
    """One plausible set of facts per kind (a mentee reading about a mentor's session)."""
    return {
        MailKind.CONFIRMED: _replace(_SESSION, calendar_attached=True),
        MailKind.RESCHEDULED: _replace(
            _SESSION, previous_starts_at=_STARTS - timedelta(days=1), calendar_attached=True
        ),
        MailKind.CANCELLED: _replace(
            _SESSION, cancellation_reason="by_mentor", refund=Money(4500, "EUR")
        ),
        MailKind.RESTORED: _replace(_SESSION, restore_cause="unsubscribe_undone"),
        MailKind.REMINDER: _replace(_SESSION, minutes_before=1440),
        MailKind.PAYMENT_RECEIPT: ReceiptFacts(
            amount=Money(4500, "EUR"),
            what="One session: Career mentoring with Grace Hopper",
            paid_at=_PAID,
            reference="pay_3f9c2a",
        ),
        MailKind.CREDITS_RECEIPT: ReceiptFacts(
            amount=Money(12000, "EUR"),
            what="Pack of 3 credits",
            paid_at=_PAID,
            reference="pay_81bd04",
            credits=3,
        ),
        MailKind.CYCLE_RECEIPT: ReceiptFacts(
            amount=Money(16000, "EUR"),
            what="Monthly mentoring with Grace Hopper",
            paid_at=_PAID,
            reference="sub_55e1c7/2026-12",
            period_start=date(2026, 12, 1),
            period_end=date(2026, 12, 31),
        ),
        MailKind.REFUND_RECEIPT: ReceiptFacts(
            amount=Money(4500, "EUR"),
            what="One session: Career mentoring with Grace Hopper",
            paid_at=_PAID + timedelta(days=2),
            reference="re_0a7d19",
            refund_reason="The mentor cancelled the session.",
        ),
    }


def _replace(facts: SessionFacts, **changes: Any) -> SessionFacts:
    return dataclasses.replace(facts, **changes)


def sample_links(kind: MailKind) -> Links:
    topic = topic_of(kind)
    return Links(
        unsubscribe_url=(
            f"https://kairos.example.com/unsubscribe?topic={topic.value}&token=sample"
            if topic is not None
            else None
        ),
        preferences_url="https://kairos.example.com/settings/emails",
    )


def render_all(locale: str, time_zone: str) -> dict[MailKind, Rendered]:
    reader = Reader(name="Ada Lovelace", time_zone=time_zone, locale=locale)
    return {
        kind: render(kind, reader, facts, sample_links(kind))
        for kind, facts in sample_facts().items()
    }


def _index(mails: dict[MailKind, Rendered], locale: str, time_zone: str) -> str:
    rows = "\n".join(
        f'<li><a href="{kind.value}.html">{kind.value}</a> '
        f'(<a href="{kind.value}.txt">text</a>): {html.escape(mail.subject)}</li>'
        for kind, mail in mails.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<title>Kairos mails</title></head>\n<body style="font-family:sans-serif;">\n'
        f"<h1>Kairos mails</h1>\n<p>Locale {html.escape(locale)}, "
        f"time zone {html.escape(time_zone)}.</p>\n<ul>\n{rows}\n</ul>\n</body>\n</html>\n"
    )


def write(out: Path, locale: str = "en", time_zone: str = "Europe/Madrid") -> list[Path]:
    """Write every kind into ``out`` and the index; the paths written, index last."""
    out.mkdir(parents=True, exist_ok=True)
    mails = render_all(locale, time_zone)
    written: list[Path] = []
    for kind, mail in mails.items():
        text = out / f"{kind.value}.txt"
        text.write_text(f"Subject: {mail.subject}\n\n{mail.text}", encoding="utf-8")
        page = out / f"{kind.value}.html"
        page.write_text(mail.html, encoding="utf-8")
        written += [text, page]
    index = out / "index.html"
    index.write_text(_index(mails, locale, time_zone), encoding="utf-8")
    written.append(index)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kairos-mail-preview", description="Render every Kairos mail with sample facts."
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--locale", default="en", help='the reader\'s locale ("es_ES", "de-DE")')
    parser.add_argument("--time-zone", default="Europe/Madrid", help="the reader's IANA time zone")
    args = parser.parse_args(argv)
    for path in write(args.out, args.locale, args.time_zone):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
