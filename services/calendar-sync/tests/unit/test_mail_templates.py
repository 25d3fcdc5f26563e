"""The mail templates: every kind renders in several locales, times in the
reader's zone with the provider's beside, money at the currency's precision, HTML escaped,
unsubscribe links only where a topic allows them, fallbacks for a bad locale or zone, and
the preview command."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kairos_calendar_sync.domain.mails import (
    Links,
    MailKind,
    Money,
    Reader,
    ReceiptFacts,
    Rendered,
    SessionFacts,
    Topic,
    render,
    topic_of,
)
from kairos_calendar_sync.domain.mails.preview import sample_facts
from kairos_calendar_sync.domain.mails.render import environment
from kairos_platform.mail_templates import locale_of, money

STARTS = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 10:00 in New York, 16:00 in Madrid
SESSION = SessionFacts(
    title="System design review",
    starts_at=STARTS,
    ends_at=STARTS + timedelta(hours=1),
    provider_time_zone="America/New_York",
    role="mentee",
    other_name="Grace",
    meeting_url="https://meet.example.com/abc",
)
RECEIPT = ReceiptFacts(
    amount=Money(1250, "EUR"),
    what="Pack of 3 credits",
    paid_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    reference="pay_123",
    credits=3,
)
MADRID_EN = Reader(name="Ada", time_zone="Europe/Madrid", locale="en")
LINKS = Links(
    unsubscribe_url="https://kairos.example.com/u?t=tok", preferences_url="https://k.example/p"
)
SESSION_KINDS = [
    MailKind.CONFIRMED,
    MailKind.RESCHEDULED,
    MailKind.CANCELLED,
    MailKind.RESTORED,
    MailKind.REMINDER,
]
RECEIPT_KINDS = [k for k in MailKind if k not in SESSION_KINDS]


def plain(s: str) -> str:
    """Babel's narrow and non-breaking spaces as plain spaces and the en dash of a range as a
    hyphen, to compare with literals."""
    return s.replace("\u202f", " ").replace("\xa0", " ").replace("\u2013", "-")


def session(**changes: Any) -> SessionFacts:
    return dataclasses.replace(SESSION, **changes)


def receipt(**changes: Any) -> ReceiptFacts:
    return dataclasses.replace(RECEIPT, **changes)


def facts_for(kind: MailKind) -> SessionFacts | ReceiptFacts:
    return sample_facts()[kind]


# -- every kind, every locale ---------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "es_ES", "de_DE"])
@pytest.mark.parametrize("kind", list(MailKind))
def test_every_kind_renders_in_each_locale(kind: MailKind, locale: str) -> None:
    facts = facts_for(kind)
    mail = render(kind, Reader("Ada", "Europe/Madrid", locale), facts, LINKS)

    assert isinstance(mail, Rendered)
    assert mail.subject and "\n" not in mail.subject
    assert mail.text.startswith("Hello Ada,\n")
    assert mail.text.endswith("\n") and "\n\n\n" not in mail.text
    assert mail.html.startswith("<!DOCTYPE html>")
    assert f"<title>{mail.subject}</title>" in mail.html or "&" in mail.subject
    name = facts.title if isinstance(facts, SessionFacts) else facts.what
    assert name in mail.text and name in mail.subject + mail.html


def test_every_kind_has_its_templates_and_a_subject_block() -> None:
    env = environment()
    assert env is environment()  # built once
    for kind in MailKind:
        text = env.get_template(f"{kind.value}.txt.j2")
        assert "subject" in text.blocks
        assert "body" in text.blocks
        assert "body" in env.get_template(f"{kind.value}.html.j2").blocks


def test_the_formats_follow_the_locale_but_the_words_stay_english() -> None:
    es = render(MailKind.CONFIRMED, Reader("Ada", "Europe/Madrid", "es_ES"), SESSION)
    de = render(MailKind.CONFIRMED, Reader("Ada", "Europe/Madrid", "de-DE"), SESSION)

    assert "martes, 8 de diciembre de 2026" in es.text
    assert "Dienstag, 8. Dezember 2026" in de.text
    assert "16:00 - 17:00 (Europe/Madrid)" in plain(de.text)
    for mail in (es, de):
        assert "Your session is booked." in mail.text


def test_facts_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(TypeError):
        render(MailKind.CONFIRMED, MADRID_EN, RECEIPT)
    with pytest.raises(TypeError):
        render(MailKind.PAYMENT_RECEIPT, MADRID_EN, SESSION)


# -- times ----------------------------------------------------------------------------------


def test_the_time_is_in_the_readers_zone_with_the_providers_beside() -> None:
    text = plain(render(MailKind.CONFIRMED, MADRID_EN, SESSION).text)

    assert (
        "When: Tuesday, December 8, 2026, 4:00 PM - 5:00 PM (Europe/Madrid)"
        " — 10:00 AM - 11:00 AM in America/New_York, the mentor's time"
    ) in text


def test_no_second_zone_when_the_provider_reads_the_same_clock() -> None:
    mentor = Reader("Grace", "America/New_York", "en")
    text = plain(render(MailKind.REMINDER, mentor, session(role="mentor", other_name="Ada")).text)

    assert "When: Tuesday, December 8, 2026, 10:00 AM - 11:00 AM (America/New_York)\n" in text
    assert " — " not in text
    assert "with Ada (your mentee)" in text


def test_the_providers_date_is_named_when_it_is_another_day_there() -> None:
    tokyo = Reader("Ada", "Asia/Tokyo", "de_DE")
    text = plain(render(MailKind.CONFIRMED, tokyo, SESSION).text)

    assert "Mittwoch, 9. Dezember 2026, 00:00 - 01:00 (Asia/Tokyo)" in text
    assert "08.12.2026, 10:00 - 11:00 in America/New_York" in text


def test_a_reschedule_shows_the_old_and_the_new_time() -> None:
    facts = session(previous_starts_at=STARTS - timedelta(days=1))
    mail = render(MailKind.RESCHEDULED, MADRID_EN, facts)
    text = plain(mail.text)

    assert "When: Tuesday, December 8, 2026, 4:00 PM" in text
    assert "Was: Monday, December 7, 2026, 4:00 PM - 5:00 PM (Europe/Madrid)" in text
    assert "Rescheduled: System design review, now on Dec 8, 2026, 4:00 PM" == plain(mail.subject)


@pytest.mark.parametrize(("minutes", "lead"), [(1440, "in 24 hours"), (60, "in 1 hour")])
def test_a_reminder_says_how_soon_and_links_the_meeting(minutes: int, lead: str) -> None:
    mail = render(MailKind.REMINDER, MADRID_EN, session(minutes_before=minutes))

    assert mail.subject == f"Reminder: System design review starts {lead}"
    assert f"Your session starts {lead}." in mail.text
    assert "Join: https://meet.example.com/abc" in mail.text
    assert 'href="https://meet.example.com/abc"' in mail.html


def test_a_confirmation_mentions_the_attached_invitation_only_when_attached() -> None:
    attached = render(MailKind.CONFIRMED, MADRID_EN, session(calendar_attached=True))
    bare = render(MailKind.CONFIRMED, MADRID_EN, SESSION)

    assert "The attached invitation adds it to your calendar." in attached.text
    assert "The attached invitation adds it to your calendar." in attached.html
    assert "attached" not in bare.text
    assert "with Grace (your mentor)" in bare.text


# -- cancellation and restore wording ------------------------------------------------------


def test_a_cancellation_says_who_and_what_is_refunded() -> None:
    mail = render(
        MailKind.CANCELLED,
        MADRID_EN,
        session(cancellation_reason="by_mentor", refund=Money(1250, "EUR")),
    )

    assert "Grace cancelled this session." in mail.text
    assert "€12.50 will be refunded to your card." in mail.text
    assert "Join:" not in mail.text


def test_a_cancellation_without_refund_has_no_refund_line() -> None:
    text = render(
        MailKind.CANCELLED,
        MADRID_EN,
        session(cancellation_reason="reprobated", refund=Money(0, "EUR")),
    ).text

    assert "two absences in a row" in text
    assert "sessions of this cycle were cancelled" in text
    assert "refunded to your card" not in text


def test_the_mentor_reads_who_cancelled_from_their_side() -> None:
    text = render(
        MailKind.CANCELLED,
        Reader("Grace", "America/New_York", "en"),
        session(role="mentor", other_name="Ada", cancellation_reason="by_mentee"),
    ).text

    assert "Ada cancelled this session." in text


@pytest.mark.parametrize(
    ("cause", "words"),
    [
        ("unsubscribe_undone", "You took back your unsubscription"),
        ("reactivation", "Grace is taking sessions again"),
    ],
)
def test_a_restore_says_why(cause: str, words: str) -> None:
    text = render(MailKind.RESTORED, MADRID_EN, session(restore_cause=cause)).text

    assert words in text


# -- money ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "locale", "shown"),
    [
        (Money(1250, "EUR"), "en", "€12.50"),
        (Money(1250, "EUR"), "es_ES", "12,50 €"),
        (Money(1250, "EUR"), "de_DE", "12,50 €"),
        (Money(1250, "JPY"), "en", "¥1,250"),
        (Money(1250, "JPY"), "de_DE", "1.250 ¥"),
        (Money(1250, "BHD"), "en", "BHD1.250"),
        (Money(1250, "BHD"), "es_ES", "1,250 BHD"),
        (Money(99, "USD"), "en", "$0.99"),
    ],
)
def test_money_has_the_currencys_precision_and_the_readers_format(
    amount: Money, locale: str, shown: str
) -> None:
    assert plain(money(amount, locale_of(locale))) == shown


def test_a_yen_receipt_is_not_divided_by_a_hundred() -> None:
    mail = render(MailKind.PAYMENT_RECEIPT, MADRID_EN, receipt(amount=Money(1250, "JPY")))

    assert "Amount: ¥1,250\n" in mail.text
    assert "12.50" not in mail.text


def test_receipts_carry_their_facts() -> None:
    credits = render(MailKind.CREDITS_RECEIPT, Reader(None, "Europe/Madrid", "es_ES"), RECEIPT)
    cycle = render(
        MailKind.CYCLE_RECEIPT,
        MADRID_EN,
        receipt(credits=None, period_start=date(2026, 12, 1), period_end=date(2026, 12, 31)),
    )
    refund = render(
        MailKind.REFUND_RECEIPT, MADRID_EN, receipt(credits=None, refund_reason="Mentor cancelled")
    )

    assert credits.text.startswith("Hello,\n")
    assert "Amount: 12,50 €" in plain(credits.text)
    assert "Credits: 3" in credits.text and "Reference: pay_123" in credits.text
    assert "Paid on: martes, 1 de diciembre de 2026, 10:30 (Europe/Madrid)" in credits.text
    assert "Period: Dec 1, 2026 - Dec 31, 2026" in plain(cycle.text)
    assert "Reason: Mentor cancelled" in refund.text
    assert "Refunded on:" in refund.text


# -- escaping -------------------------------------------------------------------------------


def test_html_escapes_what_people_typed_and_text_keeps_it() -> None:
    evil = "<script>alert(1)</script>"
    for kind in (MailKind.CONFIRMED, MailKind.CANCELLED):
        facts = session(title=evil, other_name=f"{evil} Bob", cancellation_reason="by_mentor")
        mail = render(kind, Reader(evil, "Europe/Madrid", "en"), facts)

        assert "<script>" not in mail.html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
        assert evil in mail.text and evil in mail.subject
    paid = render(MailKind.PAYMENT_RECEIPT, MADRID_EN, receipt(what=evil, reference=evil))
    assert "<script>" not in paid.html and evil in paid.text


# -- links ----------------------------------------------------------------------------------


def test_topics() -> None:
    assert topic_of(MailKind.REMINDER) is Topic.REMINDERS
    for kind in (MailKind.CONFIRMED, MailKind.RESCHEDULED, MailKind.CANCELLED, MailKind.RESTORED):
        assert topic_of(kind) is Topic.CONFIRMATIONS
    for kind in RECEIPT_KINDS:
        assert topic_of(kind) is None


@pytest.mark.parametrize("kind", SESSION_KINDS)
def test_session_mails_carry_the_unsubscribe_link_when_given(kind: MailKind) -> None:
    mail = render(kind, MADRID_EN, facts_for(kind), LINKS)
    bare = render(kind, MADRID_EN, facts_for(kind))

    assert "https://kairos.example.com/u?t=tok" in mail.text
    assert 'href="https://kairos.example.com/u?t=tok"' in mail.html
    assert "https://k.example/p" in mail.text and 'href="https://k.example/p"' in mail.html
    assert "Receipts are always sent" not in mail.text
    assert "kairos.example.com/u" not in bare.text + bare.html
    assert "k.example/p" not in bare.text + bare.html


@pytest.mark.parametrize("kind", RECEIPT_KINDS)
def test_receipts_never_carry_an_unsubscribe_link(kind: MailKind) -> None:
    mail = render(kind, MADRID_EN, facts_for(kind), LINKS)

    assert "kairos.example.com/u" not in mail.text + mail.html
    assert "Receipts are always sent, whatever your email preferences." in mail.text
    assert "Receipts are always sent, whatever your email preferences." in mail.html
    assert "https://k.example/p" in mail.text


# -- fallbacks ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["xx_NOPE", "", "not a locale", "zz-ZZ"])
def test_a_bad_locale_falls_back_to_english(bad: str) -> None:
    reader = Reader("Ada", "Europe/Madrid", bad)

    assert render(MailKind.CONFIRMED, reader, SESSION) == render(
        MailKind.CONFIRMED, MADRID_EN, SESSION
    )
    assert "€12.50" in render(MailKind.PAYMENT_RECEIPT, reader, RECEIPT).text


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", "../etc/passwd"])
def test_a_bad_zone_falls_back_to_the_providers(bad: str) -> None:
    text = plain(render(MailKind.CONFIRMED, Reader("Ada", bad, "en"), SESSION).text)

    assert "When: Tuesday, December 8, 2026, 10:00 AM - 11:00 AM (America/New_York)\n" in text


def test_a_bad_zone_on_both_sides_falls_back_to_utc() -> None:
    facts = session(provider_time_zone="Nowhere/Else")
    text = plain(render(MailKind.CONFIRMED, Reader("Ada", "Atlantis/Capital", "en"), facts).text)
    paid = render(MailKind.PAYMENT_RECEIPT, Reader("Ada", "Atlantis/Capital", "en"), RECEIPT)

    assert "3:00 PM - 4:00 PM (UTC)" in text
    assert "(UTC)" in paid.text


# -- the preview command ----------------------------------------------------------------------


def test_the_preview_command_writes_every_kind_and_an_index(tmp_path: Path) -> None:
    out = tmp_path / "mails"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kairos_calendar_sync.domain.mails.preview",
            "--out",
            str(out),
            "--locale",
            "es_ES",
            "--time-zone",
            "America/Mexico_City",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    printed = done.stdout.split()
    expected = [out / f"{kind.value}.{ext}" for kind in MailKind for ext in ("txt", "html")]
    assert printed == [str(p) for p in [*expected, out / "index.html"]]
    index = (out / "index.html").read_text(encoding="utf-8")
    for path in expected:
        assert path.stat().st_size > 0
        assert f'href="{path.name}"' in index
    assert "martes, 8 de diciembre de 2026" in (out / "booking_confirmed.txt").read_text(
        encoding="utf-8"
    )


# -- formatting kept per locale, zones, instants and role ------------------------------------


def _fresh(kind: MailKind, reader: Reader, facts: SessionFacts) -> Rendered:
    """``kind`` rendered with every cached time string forgotten first."""
    module = importlib.import_module("kairos_calendar_sync.domain.mails.render")
    for cached in (module._clock, module._when, module._short):
        cached.cache_clear()
    return render(kind, reader, facts)


@pytest.mark.parametrize(
    "first",
    [
        Reader("Ada", "Asia/Tokyo", "ja"),
        Reader("Ada", "Europe/Madrid", "es_ES"),
        Reader("Ada", "America/New_York", "de_DE"),
    ],
)
def test_cached_times_do_not_leak_between_readers_zones_and_roles(first: Reader) -> None:
    # the same instants for readers of other locales and zones, and for the other role,
    # read as they would on their own
    cases = [
        (Reader("Ada", "Europe/Madrid", "en"), SESSION),
        (Reader("Ada", "Europe/Madrid", "es_ES"), SESSION),
        (Reader("Ada", "Asia/Tokyo", "es_ES"), SESSION),
        (Reader("Ada", "Asia/Tokyo", "es_ES"), session(role="mentor")),
        (Reader("Ada", "Asia/Tokyo", "es_ES"), session(provider_time_zone="Asia/Tokyo")),
        (Reader("Ada", "Asia/Tokyo", "es_ES"), session(ends_at=STARTS + timedelta(minutes=30))),
    ]
    alone = [_fresh(MailKind.REMINDER, reader, facts) for reader, facts in cases]
    render(MailKind.REMINDER, first, SESSION)
    together = [render(MailKind.REMINDER, reader, facts) for reader, facts in cases]

    assert together == alone
    assert len({r.text for r in together}) == len(cases)
