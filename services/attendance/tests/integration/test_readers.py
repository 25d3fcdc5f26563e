"""The readers projection (MailPreferencesChanged: the latest changed_at wins) and its
migration 0006 on a database that was at 0005 with mails queued the old way (their times
formatted already): the table comes, the old mails still go out as they were queued; down
to 0005 and up again."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from kairos_attendance.adapters.smtp import outgoing
from kairos_attendance.bootstrap import bootstrap
from kairos_attendance.service_layer.context import context_of
from kairos_localstack.smtp_sink import SmtpSink
from kairos_platform.mail import SmtpMailer, send_once
from kairos_platform.migrations import downgrade, upgrade
from kairos_platform.testing_services import eventually

from .conftest import Att, preferences_changed, settings_for

pytestmark = pytest.mark.integration

LEGACY = {
    "mentee_name": "Ana",
    "mentor_name": "Ada",
    "title": "Weekly mentoring",
    "session_time": "Monday 07 January 2030, 18:00 (CET)",
    "cycle_end": "04 February 2030",
    "absences": "0",
    "dashboard_url": "http://app/mentor/subscribers",
    "settings_url": "http://app/settings/notifications",
}


async def _reader(att: Att, user_id: uuid.UUID) -> tuple[str | None, str | None] | None:
    rows = await att.rows("SELECT time_zone, locale FROM readers WHERE user_id = :u", u=user_id)
    return (rows[0].time_zone, rows[0].locale) if rows else None


async def test_the_readers_projection_keeps_the_latest_preference(att: Att) -> None:
    ana = uuid.uuid4()
    t0 = datetime(2029, 12, 1, tzinfo=UTC)
    await att.deliver(preferences_changed(ana, "America/Bogota", "es_CO", t0))
    assert await _reader(att, ana) == ("America/Bogota", "es_CO")
    # an older preference arriving late changes nothing
    await att.deliver(preferences_changed(ana, "Asia/Tokyo", "ja_JP", t0 - timedelta(minutes=1)))
    assert await _reader(att, ana) == ("America/Bogota", "es_CO")
    # a newer one wins, absent values included (no preference any more)
    await att.deliver(preferences_changed(ana, None, "de_DE", t0 + timedelta(minutes=1)))
    assert await _reader(att, ana) == (None, "de_DE")
    # someone else's is their own row
    await att.deliver(preferences_changed(uuid.uuid4(), "UTC", None, t0))
    assert await _reader(att, ana) == (None, "de_DE")


async def _has_readers(service: Any) -> bool:
    async with service.engine.connect() as conn:
        found = await conn.execute(text("SELECT to_regclass('readers') IS NOT NULL"))
        return bool(found.scalar())


async def test_0006_on_a_database_at_0005_keeps_old_mails_sendable(
    fresh_database: str, smtp_sink: SmtpSink
) -> None:
    service = bootstrap(settings_for(fresh_database, smtp_sink.port or 0))
    url = service.settings.sqlalchemy_url
    await asyncio.to_thread(upgrade, service.migrations, url, "0005")
    assert not await _has_readers(service)
    async with service.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO email_outbox (dedupe_key, recipient, template, params)"
                " VALUES ('legacy:1', 'old-mail@example.org', 'warning_mentee', CAST(:p AS jsonb))"
            ),
            {"p": json.dumps(LEGACY)},
        )

    await asyncio.to_thread(upgrade, service.migrations, url)
    assert await _has_readers(service)
    mailer = SmtpMailer("127.0.0.1", smtp_sink.port or 0, "Kairos <a@kairos.local>", outgoing)
    assert await send_once(service.uow_factory, mailer, context_of(service).settings.mail_policy)

    async def sent() -> list[Any]:
        return [m for m in smtp_sink.messages() if m["To"] == "old-mail@example.org"]

    [mail] = await eventually(sent)
    body = mail.get_body(("plain",))
    assert body is not None
    assert "with Ada on Monday 07 January 2030, 18:00 (CET)." in body.get_content()

    await asyncio.to_thread(downgrade, service.migrations, url, "0005")
    assert not await _has_readers(service)
    await asyncio.to_thread(upgrade, service.migrations, url)
    assert await _has_readers(service)
    await service.engine.dispose()
