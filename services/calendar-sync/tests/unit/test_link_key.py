"""calendar-sync says loudly when its unsubscribe links are signed with the public
development key (MAIL_LINK_KEY unset), and says nothing when a key is set."""

from __future__ import annotations

import logging

import pytest

from kairos_calendar_sync.bootstrap import bootstrap
from kairos_calendar_sync.service_layer.context import context_of
from kairos_calendar_sync.settings import DEV_LINK_KEY, CalendarSettings


def _settings(mail_link_key: str | None = None) -> CalendarSettings:
    if mail_link_key is None:
        return CalendarSettings(SERVICE_NAME="calendar-sync")
    return CalendarSettings(SERVICE_NAME="calendar-sync", MAIL_LINK_KEY=mail_link_key)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "MAIL_LINK_KEY" in r.getMessage()
    ]


def test_the_development_key_is_a_loud_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        service = bootstrap(_settings())
    assert context_of(service).composer.link_key == DEV_LINK_KEY.encode()
    [warning] = _warnings(caplog)
    assert "PUBLIC" in warning and "anyone can unsubscribe anyone" in warning


def test_a_key_of_its_own_is_used_silently(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        service = bootstrap(_settings(mail_link_key="a-real-key-0123456789abcdef"))
    assert context_of(service).composer.link_key == b"a-real-key-0123456789abcdef"
    assert _warnings(caplog) == []
