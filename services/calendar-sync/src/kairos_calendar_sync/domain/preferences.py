"""What a person may choose about their mail, checked: an IANA time zone, a locale Babel
knows (kept as its identifier, ``es_ES``), the topics they stop. Pure functions; the API
refuses what these refuse, and a token's claims that fail them are not kept."""

from __future__ import annotations

import re
import zoneinfo

from babel import Locale, UnknownLocaleError

from kairos_calendar_sync.domain.mails.model import Topic

#: BCP 47 / POSIX-ish: a language, then subtags, separated by ``-`` or ``_``
_LOCALE_SHAPE = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")
LOCALE_MAX = 35
ZONE_MAX = 64

#: every topic a person may stop, in the order they are shown
TOPICS: tuple[Topic, ...] = tuple(Topic)


def normalized_locale(value: str) -> str:
    """``value`` ("es-ES", "es_ES", "de") as Babel's identifier ("es_ES", "de"); ValueError
    when Babel does not know it (or would read it as another language)."""
    if len(value) > LOCALE_MAX or not _LOCALE_SHAPE.match(value):
        raise ValueError(f"not a locale identifier: {value!r} (like en, es_ES or de-DE)")
    try:
        parsed = Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise ValueError(f"unknown locale {value!r}") from exc
    if parsed.language != value.replace("-", "_").split("_", 1)[0].lower():
        raise ValueError(f"unknown locale {value!r}")  # "und" is read as en_US
    return str(parsed)


def loadable_zone(value: str) -> str:
    """``value`` if it names an IANA zone this machine can load; ValueError otherwise."""
    if not value or len(value) > ZONE_MAX:
        raise ValueError(f"unknown IANA time zone {value!r}")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return value


def claimed_zone(claim: object) -> str | None:
    """A token's ``zoneinfo`` claim when it is a usable zone, else None (an odd claim never
    blocks a request: it is just not kept)."""
    try:
        return loadable_zone(claim) if isinstance(claim, str) else None
    except ValueError:
        return None


def claimed_locale(claim: object) -> str | None:
    """A token's ``locale`` claim, normalised, when Babel knows it; else None."""
    try:
        return normalized_locale(claim) if isinstance(claim, str) else None
    except ValueError:
        return None
