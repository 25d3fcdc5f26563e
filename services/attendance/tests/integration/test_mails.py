"""Mails are never lost while SMTP is down and never sent twice once it is back; they
show the session in their reader's zone and locale (the readers projection) as sent."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import TypeVar

import pytest

from kairos_attendance.adapters.smtp import outgoing
from kairos_attendance.service_layer.sweep import sweep
from kairos_localstack.smtp_sink import SmtpSink
from kairos_platform.mail import SmtpMailer, send_once
from kairos_platform.testing_services import eventually

from .conftest import Att, Programme, mentee, mentor, preferences_changed

T = TypeVar("T")

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when we return: nobody listens


async def test_a_mail_waits_while_smtp_is_down_and_goes_once_when_it_is_back(
    att: Att, smtp_sink: SmtpSink
) -> None:
    p = Programme(mentor(), mentee())
    s = p.session(0)
    await att.deliver(s)
    att.clock.now = s.ends_at + timedelta(hours=1)
    await sweep(att.uows, att.ctx)  # one absence: a warning to mentee and mentor
    down = SmtpMailer("127.0.0.1", _closed_port(), "Kairos <a@kairos.local>", outgoing, timeout_s=1)
    # SMTP down: the job backs off
    assert await send_once(att.uows, down, att.ctx.settings.mail_policy) == 0
    rows = await att.rows("SELECT attempts, sent_at, last_error FROM email_outbox ORDER BY id")
    assert [r.sent_at for r in rows] == [None, None]
    assert rows[0].attempts == 1 and "SMTP" in rows[0].last_error
    assert rows[1].attempts == 0  # released untried: no point while the server is down
    waiting = await _oldest_unsent_age_s(att)  # what mail_queue_oldest_age_seconds shows
    assert waiting is not None and 0 <= waiting < 600

    await att.send_mails()  # back up (backoff is 0 in tests)
    await att.send_mails()  # nothing more to send

    async def delivered() -> list[object]:
        return [m for m in smtp_sink.messages() if m["To"] in (p.mentee.email, p.mentor.email)]

    got = await eventually(lambda: _at_least(delivered, 2))
    assert len(got) == 2
    assert [r.sent_at is not None for r in await att.rows("SELECT sent_at FROM email_outbox")] == [
        True,
        True,
    ]
    assert await _oldest_unsent_age_s(att) is None  # nothing waiting any more


async def _oldest_unsent_age_s(att: Att) -> float | None:
    async with att.uows() as uow:
        return await uow.mails.oldest_unsent_age_s()


async def _at_least(check: Callable[[], Awaitable[list[T]]], n: int) -> list[T] | None:
    found = await check()
    return found if len(found) >= n else None


async def test_a_mail_shows_the_session_in_its_readers_zone_and_locale_when_sent(
    att: Att, smtp_sink: SmtpSink
) -> None:
    p = Programme(mentor(), mentee())  # Europe/Madrid sessions, 18:00 there on Jan 7
    s = p.session(0)
    await att.deliver(s)
    t0 = datetime(2029, 12, 1, tzinfo=UTC)
    await att.deliver(preferences_changed(p.mentee.user_id, "America/Bogota", "es_CO", t0))
    att.clock.now = s.ends_at + timedelta(hours=1)
    await sweep(att.uows, att.ctx)  # the warnings are queued...
    # ...and the mentee moves before they go: the mail follows the reader as sent
    await att.deliver(
        preferences_changed(
            p.mentee.user_id, "America/Mexico_City", "es_MX", t0 + timedelta(days=1)
        )
    )
    await att.send_mails()

    async def both() -> list[EmailMessage] | None:
        got = [m for m in smtp_sink.messages() if m["To"] in (p.mentee.email, p.mentor.email)]
        return got if len(got) >= 2 else None

    sent = {m["To"]: m for m in await eventually(both)}
    to_mentee, to_mentor = sent[p.mentee.email], sent[p.mentor.email]
    assert to_mentee["Subject"] == "You missed a session: Weekly mentoring"
    text = _plain(to_mentee, "plain")
    assert "lunes, 7 de enero de 2030, 11:00" in text and "(America/Mexico_City)" in text
    assert "in Europe/Madrid, the mentor's time" in text
    assert "(America/Bogota)" not in text
    assert "lunes, 7 de enero de 2030" in _plain(to_mentee, "html")
    # the mentor told nothing: the provider's zone (their own) and English, named once
    mentor_text = _plain(to_mentor, "plain")
    assert "on Monday, January 7, 2030, 6:00 PM (Europe/Madrid)." in mentor_text
    assert "Manage your other notifications" in mentor_text


def _plain(message: EmailMessage, part: str) -> str:
    body = message.get_body((part,))
    assert body is not None
    return str(body.get_content()).replace("\u202f", " ").replace("\xa0", " ")
