"""What a person may choose for their mail, checked without I/O: zones that load, locales
Babel knows (kept as its identifier), and token claims that are kept only when usable."""

from __future__ import annotations

import pytest

from kairos_calendar_sync.domain.preferences import (
    claimed_locale,
    claimed_zone,
    loadable_zone,
    normalized_locale,
)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("es_ES", "es_ES"), ("es-ES", "es_ES"), ("de-DE", "de_DE"), ("en", "en"),
        ("EN", "en"), ("en_us", "en_US"), ("pt-BR", "pt_BR"), ("zh-Hant-TW", "zh_Hant_TW"),
    ],
)  # fmt: skip
def test_locales_are_kept_as_babel_names_them(given: str, kept: str) -> None:
    assert normalized_locale(given) == kept


@pytest.mark.parametrize(
    "given", ["", "xx_YY", "zz", "und", "en__US", "en US", "es_ES.UTF-8", "e", "x" * 40]
)
def test_unknown_or_malformed_locales_are_refused(given: str) -> None:
    with pytest.raises(ValueError):
        normalized_locale(given)


def test_zones_must_load() -> None:
    assert loadable_zone("Europe/Madrid") == "Europe/Madrid"
    for bad in ("", "Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "A" * 65):
        with pytest.raises(ValueError):
            loadable_zone(bad)


def test_claims_are_kept_only_when_usable() -> None:
    assert claimed_zone("Asia/Tokyo") == "Asia/Tokyo"
    assert claimed_locale("ja-JP") == "ja_JP"
    for odd in (None, 12, ["es"], "Nowhere/Atlantis", "not a locale"):
        assert claimed_zone(odd) is None
        assert claimed_locale(odd) is None
