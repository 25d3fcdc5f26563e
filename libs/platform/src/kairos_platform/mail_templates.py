"""Mail rendering written once for every service that mails: the Jinja2 environment of a
package's templates, and Babel's formats for one reader.

**Templates.** ``environment(package)`` loads ``<package>/templates`` once (cached):
``StrictUndefined`` (a value the template names and the code forgot is an error, not an
empty string), autoescaping for ``*.html.j2`` only (the text part and the subject are
plain). A service keeps one layout per format (``layout.txt.j2``, ``layout.html.j2``) and
per kind ``<kind>.txt.j2`` (which also holds the kind's ``subject`` block) and
``<kind>.html.j2``, both extending their layout; ``render_mail(env, kind, context)`` gives
the subject (one line), the text (tidied: at most one blank line in a row) and the HTML.

**Formats.** Dates and times in the reader's zone and locale, the provider's zone named
beside them when its clock reads otherwise (``ReaderClock``); money in the currency's own
precision (``money``: JPY 0 digits, EUR 2, BHD 3). A locale or zone that cannot be used
falls back ("en"; the provider's zone, then UTC) rather than failing the mail.

No I/O but reading the templates from the package.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency, get_currency_precision
from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

FALLBACK_LOCALE = "en"
DASH = "\u2013"  # between the two ends of a range ("10:00 AM \u2013 11:00 AM")

Width = Literal["full", "long", "medium", "short"]


# --- templates -------------------------------------------------------------------------------


@functools.cache
def environment(package: str, folder: str = "templates") -> Environment:
    """The Jinja2 environment of ``package``'s ``folder`` (built on first use, then kept):
    strict about undefined values, autoescaping ``*.html.j2`` only."""
    return Environment(
        loader=PackageLoader(package, folder),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # a package's templates do not change while it runs: no stat of the file per render
        auto_reload=False,
    )


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def subject_of(template: Template, context: dict[str, Any]) -> str:
    """The ``subject`` block of ``template`` rendered with ``context``, on one line."""
    block = template.blocks.get("subject")
    if block is None:
        raise LookupError(f"{template.name} has no subject block")
    rendered = "".join(block(template.new_context(context)))
    return " ".join(rendered.split())


def tidy(text: str) -> str:
    """At most one blank line in a row, no trailing spaces, one newline at the end."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line and (not lines or not lines[-1]):
            continue
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def render_mail(env: Environment, kind: str, context: dict[str, Any]) -> RenderedMail:
    """``<kind>.txt.j2`` (its subject block, then its body) and ``<kind>.html.j2`` rendered
    with ``context``; both see the subject as ``subject``."""
    text_template = env.get_template(f"{kind}.txt.j2")
    subject = subject_of(text_template, context)
    context = {**context, "subject": subject}
    text = text_template.render(context)
    html = env.get_template(f"{kind}.html.j2").render(context)
    return RenderedMail(subject=subject, text=tidy(text), html=html)


# --- formats ---------------------------------------------------------------------------------


def locale_of(identifier: str | None) -> Locale:
    """``identifier`` as a Babel locale ("es_ES", "de-DE", "en_US.UTF-8"), else English."""
    if identifier:
        cleaned = identifier.split(".", 1)[0].split("@", 1)[0].replace("-", "_").strip()
        try:
            return Locale.parse(cleaned)
        except (UnknownLocaleError, ValueError, TypeError):
            pass
    return Locale.parse(FALLBACK_LOCALE)


def zone_of(name: str | None, fallback: str | None = None) -> ZoneInfo:
    """The IANA zone ``name``, else ``fallback``, else UTC."""
    for candidate in (name, fallback):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            continue
    return ZoneInfo("UTC")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _join(day: str, time: str, loc: Locale, width: Width) -> str:
    # Babel's own way of joining a date and a time (format_datetime), without the seconds
    # its medium/full time formats add.
    pattern = str(get_datetime_format(width, locale=loc)).replace("'", "")
    return pattern.replace("{1}", day).replace("{0}", time)


@dataclass(frozen=True)
class ReaderClock:
    """Formats instants for one reader: in ``zone`` (the reader's) and ``loc`` (their
    locale), naming the provider's zone when it differs."""

    loc: Locale
    zone: ZoneInfo
    provider_zone: ZoneInfo

    @classmethod
    def for_reader(
        cls, locale: str | None, time_zone: str | None, provider_time_zone: str | None
    ) -> ReaderClock:
        """The reader's locale (else English) and zone (else the provider's, else UTC)."""
        provider = zone_of(provider_time_zone, "UTC")
        return cls(locale_of(locale), zone_of(time_zone, provider.key), provider)

    @property
    def zone_name(self) -> str:
        return self.zone.key

    @property
    def provider_zone_name(self) -> str:
        return self.provider_zone.key

    def local(self, at: datetime) -> datetime:
        return _aware(at).astimezone(self.zone)

    def day(self, on: date, width: Width = "medium") -> str:
        return str(format_date(on, width, locale=self.loc))

    def time(self, at: datetime, zone: ZoneInfo | None = None) -> str:
        return str(format_time(_aware(at).astimezone(zone or self.zone), "short", locale=self.loc))

    def short(self, at: datetime) -> str:
        """Date and time in the reader's zone, for a subject line ("Dec 8, 2026, 10:00 AM")."""
        local = self.local(at)
        return _join(self.day(local.date(), "medium"), self.time(local), self.loc, "medium")

    def long(self, at: datetime) -> str:
        """Full date and time in the reader's zone, the zone named."""
        local = self.local(at)
        full = _join(self.day(local.date(), "full"), self.time(local), self.loc, "full")
        return f"{full} ({self.zone_name})"

    def span(self, starts_at: datetime, ends_at: datetime) -> str:
        """The session in the reader's zone, the zone named ("Tuesday, December 8, 2026,
        10:00 AM - 11:00 AM (America/New_York)", an en dash between the times)."""
        local = self.local(starts_at)
        times = f"{self.time(starts_at)} {DASH} {self.time(ends_at)}"
        day = self.day(local.date(), "full")
        return f"{_join(day, times, self.loc, 'full')} ({self.zone_name})"

    def provider_differs(self, at: datetime) -> bool:
        """The provider's wall clock reads differently from the reader's at ``at``."""
        return _aware(at).astimezone(self.provider_zone).utcoffset() != self.local(at).utcoffset()

    def when(self, starts_at: datetime, ends_at: datetime | None = None, *, whose: str) -> str:
        """The session on the reader's clock, the zone named (its span when ``ends_at`` is
        given), and on the provider's when that reads differently, ``whose`` saying whose
        time that is ("... 10:00 AM (America/New_York) — 4:00 PM in Europe/Madrid, the
        mentor's time")."""
        own = self.span(starts_at, ends_at) if ends_at is not None else self.long(starts_at)
        if not self.provider_differs(starts_at):
            return own
        there = self.in_provider_zone(starts_at, ends_at)
        return f"{own} \u2014 {there} in {self.provider_zone_name}, {whose}"

    def in_provider_zone(self, starts_at: datetime, ends_at: datetime | None = None) -> str:
        """The same time on the provider's clock ("4:00 PM - 5:00 PM", the date added when it
        is another day there)."""
        there = _aware(starts_at).astimezone(self.provider_zone)
        times = self.time(starts_at, self.provider_zone)
        if ends_at is not None:
            times = f"{times} {DASH} {self.time(ends_at, self.provider_zone)}"
        if there.date() != self.local(starts_at).date():
            return _join(self.day(there.date(), "medium"), times, self.loc, "medium")
        return times


class Amount(Protocol):
    """Money as the events carry it: minor units and an ISO 4217 code."""

    @property
    def amount_minor(self) -> int: ...
    @property
    def currency(self) -> str: ...


def minor_to_major(value: Amount) -> Decimal:
    """The amount in major units at the currency's own precision (JPY 0, EUR 2, BHD 3)."""
    digits = int(get_currency_precision(value.currency.upper()))
    return Decimal(value.amount_minor).scaleb(-digits)


def money(value: Amount, loc: Locale) -> str:
    """``value`` for the reader's locale: "€12.50" in en, "12,50 €" in es_ES, "¥1,250" in en."""
    return str(format_currency(minor_to_major(value), value.currency.upper(), locale=loc))


__all__ = [
    "DASH",
    "FALLBACK_LOCALE",
    "Amount",
    "ReaderClock",
    "RenderedMail",
    "environment",
    "locale_of",
    "minor_to_major",
    "money",
    "render_mail",
    "subject_of",
    "tidy",
    "zone_of",
]
