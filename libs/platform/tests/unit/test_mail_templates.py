"""kairos_platform.mail_templates: the environment (strict, HTML-only autoescape, cached),
the subject block and the tidied text of ``render_mail``, and Babel's formats for a reader
with their fallbacks (a bad locale: English; a bad zone: the provider's, then UTC)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from kairos_platform.mail_templates import (
    ReaderClock,
    environment,
    locale_of,
    money,
    render_mail,
    tidy,
    zone_of,
)

STARTS = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 10:00 in New York, 16:00 in Madrid


def plain(text: str) -> str:
    """Babel's narrow and non-breaking spaces as plain ones."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@dataclasses.dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A throwaway package with one layout per format and a ``note`` kind."""
    name = f"mailpkg_{uuid.uuid4().hex}"
    templates = tmp_path / name / "templates"
    templates.mkdir(parents=True)
    (tmp_path / name / "__init__.py").write_text("")
    files = {
        "layout.txt.j2": "{% block body %}{% endblock %}\n\n\n--\nfooter for {{ who }}\n",
        "layout.html.j2": "<html><body>{% block body %}{% endblock %}"
        "<p>footer for {{ who }}</p></body></html>",
        "note.txt.j2": '{% extends "layout.txt.j2" %}\n'
        "{% block subject %}  A note\n for {{ who }} {% endblock %}\n"
        "{% block body %}Hello {{ who }},   \n\n\n\n{{ subject }}{% endblock %}\n",
        "note.html.j2": '{% extends "layout.html.j2" %}\n'
        "{% block body %}<p>Hello {{ who }}</p>{% endblock %}\n",
    }
    for file, text in files.items():
        (templates / file).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_render_mail_gives_a_one_line_subject_a_tidy_text_and_escaped_html(package: str) -> None:
    env = environment(package)
    assert env is environment(package)  # built once

    mail = render_mail(env, "note", {"who": "<Ada & Bo>"})

    assert mail.subject == "A note for <Ada & Bo>"
    assert mail.text == (
        "Hello <Ada & Bo>,\n\nA note for <Ada & Bo>\n\n--\nfooter for <Ada & Bo>\n"
    )  # the text part is plain: nothing escaped
    assert "Hello &lt;Ada &amp; Bo&gt;" in mail.html
    assert "footer for &lt;Ada &amp; Bo&gt;" in mail.html
    assert "<Ada" not in mail.html


def test_a_value_the_template_names_and_the_code_forgot_is_an_error(package: str) -> None:
    with pytest.raises(UndefinedError):
        render_mail(environment(package), "note", {})


def test_tidy_keeps_one_blank_line_and_ends_with_one_newline() -> None:
    assert tidy("a  \n\n\n\nb\n\n") == "a\n\nb\n"
    assert tidy("\n\na") == "a\n"


def test_fallbacks_for_a_locale_or_zone_that_cannot_be_used() -> None:
    assert str(locale_of("es-ES")) == "es_ES"
    assert str(locale_of("de_DE.UTF-8")) == "de_DE"
    for bad in (None, "", "xx_NOPE", "!!"):
        assert str(locale_of(bad)) == "en"
    assert zone_of("Nowhere/Atlantis", "Europe/Madrid").key == "Europe/Madrid"
    assert zone_of(None, "Nowhere/Atlantis").key == "UTC"

    clock = ReaderClock.for_reader("xx_NOPE", "Nowhere/Atlantis", "America/New_York")
    assert (str(clock.loc), clock.zone_name) == ("en", "America/New_York")
    assert not clock.provider_differs(STARTS)


def test_times_in_the_readers_zone_and_locale_with_the_providers_beside() -> None:
    madrid_es = ReaderClock.for_reader("es_ES", "Europe/Madrid", "America/New_York")
    assert plain(madrid_es.long(STARTS)) == "martes, 8 de diciembre de 2026, 16:00 (Europe/Madrid)"
    assert madrid_es.provider_differs(STARTS)
    assert plain(madrid_es.in_provider_zone(STARTS, STARTS + timedelta(hours=1))) == (
        "10:00 \u2013 11:00"
    )
    assert plain(madrid_es.when(STARTS, whose="the mentor's time")) == (
        "martes, 8 de diciembre de 2026, 16:00 (Europe/Madrid) \u2014 10:00 in "
        "America/New_York, the mentor's time"
    )
    ny_en = ReaderClock.for_reader("en", "America/New_York", "America/New_York")
    assert plain(ny_en.span(STARTS, STARTS + timedelta(hours=1))) == (
        "Tuesday, December 8, 2026, 10:00 AM \u2013 11:00 AM (America/New_York)"
    )
    assert plain(ny_en.short(STARTS)) == "Dec 8, 2026, 10:00 AM"
    assert ny_en.when(STARTS, whose="unused") == ny_en.long(STARTS)  # same clock: once
    assert plain(ny_en.day(date(2026, 12, 31), "long")) == "December 31, 2026"
    # another day on the provider's clock: the date is named
    tokyo = ReaderClock.for_reader("en", "Asia/Tokyo", "America/New_York")
    late = datetime(2026, 12, 8, 23, 30, tzinfo=UTC)
    assert plain(tokyo.in_provider_zone(late)) == "Dec 8, 2026, 6:30 PM"


@pytest.mark.parametrize(
    ("amount", "locale", "shown"),
    [
        (Money(1250, "EUR"), "en", "€12.50"),
        (Money(1250, "EUR"), "es_ES", "12,50 €"),
        (Money(1250, "JPY"), "en", "¥1,250"),
        (Money(1250, "BHD"), "en", "BHD1.250"),
        (Money(99, "usd"), "en", "$0.99"),
    ],
)
def test_money_has_the_currencys_precision_and_the_readers_format(
    amount: Money, locale: str, shown: str
) -> None:
    assert plain(money(amount, locale_of(locale))) == shown
