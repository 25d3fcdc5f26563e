"""Mails are never lost while SMTP is down and never sent twice once it is back."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from kairos_attendance.adapters.smtp import outgoing
from kairos_attendance.service_layer.sweep import sweep
from kairos_localstack.smtp_sink import SmtpSink
from kairos_platform.mail import SmtpMailer, send_once

from .conftest import Att, Programme, eventually, mentee, mentor

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


async def _at_least(check: object, n: int) -> list[object] | None:
    found = await check()  # type: ignore[operator]
    return found if len(found) >= n else None
