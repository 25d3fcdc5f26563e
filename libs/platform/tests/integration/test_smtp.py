"""The mail job's SMTP client against real servers: the local sink (PIPELINING, one round
trip a message) and aiosmtpd (no PIPELINING: one command at a time); a refusal mid-batch
stops the batch there and says why; a server that is not there is an error, nothing sent."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from kairos_localstack.smtp_sink import SmtpSink, read_messages
from kairos_platform.mail import Outgoing, SmtpSender
from kairos_platform.smtp import send_messages

pytestmark = pytest.mark.integration

SENDER = "Kairos <calendar@kairos.local>"


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SmtpSink]:
    server = SmtpSink(tmp_path / "mail", log_file=tmp_path / "smtp.log")
    server.start()
    yield server
    server.stop()


def _mails(n: int) -> list[Outgoing]:
    return [
        Outgoing(f"p{i}@example.org", f"Reminder {i}", f"k{i}", f".dot\nline {i}\n", "<p/>")
        for i in range(n)
    ]


def test_a_batch_goes_over_one_pipelined_session_in_order(sink: SmtpSink) -> None:
    assert sink.port is not None
    delivery = asyncio.run(SmtpSender("127.0.0.1", sink.port, SENDER).deliver(_mails(30)))
    assert (delivery.sent, delivery.error) == (30, None)
    stored = read_messages(sink.maildir)
    assert [m["Message-ID"] for m in stored] == [f"<k{i}@kairos>" for i in range(30)]
    for i, m in enumerate(stored):
        assert m["X-RcptTo"] == f"p{i}@example.org" and m["X-MailFrom"] == "calendar@kairos.local"
        plain = m.get_body(("plain",))
        assert plain is not None and plain.get_content() == f".dot\nline {i}\n"


def test_raw_messages_get_crlf_and_their_leading_periods_kept(sink: SmtpSink) -> None:
    assert sink.port is not None
    raw = [
        ("a@example.org", b"Subject: a\n\n.starts with a period\nbare LF\n"),
        ("b@example.org", b".Subject-less\r\n\r\nno final line end"),
    ]
    assert asyncio.run(send_messages("127.0.0.1", sink.port, "k@example.org", raw)) == (2, None)
    files = sorted((sink.maildir / "new").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    bodies = [f.read_bytes().split(b"\n", 3)[3] for f in files]  # after the X- envelope
    assert bodies == [
        b"Subject: a\n\n.starts with a period\nbare LF\n",
        b".Subject-less\n\nno final line end\n",
    ]


class _Refusing(Sink):
    """aiosmtpd's sink that refuses one recipient and counts what it took; a recipient
    named ``slow`` is answered only once the monotonic clock reads ``hold_until``."""

    def __init__(self) -> None:
        self.taken: list[str] = []
        self.hold_until = 0.0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("refused"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.taken.extend(envelope.rcpt_tos)
        if any(r.startswith("slow") for r in envelope.rcpt_tos):
            # a server slow to take one message: it answers once the clock has read that
            await asyncio.sleep(max(0.0, self.hold_until - time.monotonic()))
        return "250 OK"


@pytest.fixture
def aiosmtpd_server() -> Iterator[tuple[int, _Refusing]]:
    handler = _Refusing()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler
    controller.stop()


def test_without_pipelining_one_command_at_a_time_and_a_refusal_stops_the_batch(
    aiosmtpd_server: tuple[int, _Refusing],
) -> None:
    port, handler = aiosmtpd_server
    mails = _mails(5)
    mails[3] = Outgoing("refused@example.org", "x", "k3", "t", "<p/>")
    delivery = asyncio.run(SmtpSender("127.0.0.1", port, SENDER).deliver(mails))
    assert delivery.sent == 3
    assert delivery.error is not None and "550" in delivery.error
    assert "refused@example.org" in delivery.error
    assert handler.taken == ["p0@example.org", "p1@example.org", "p2@example.org"]


def test_no_message_is_started_once_the_deadline_has_passed(
    aiosmtpd_server: tuple[int, _Refusing],
) -> None:
    """The second message is taken only after the deadline: the third is never started
    and the session reports the two taken, without an error (the rest goes back)."""
    port, handler = aiosmtpd_server
    mails = _mails(4)
    mails[1] = Outgoing("slow@example.org", "x", "k1", "t", "<p/>")

    async def scenario() -> tuple[int, str | None]:
        deadline = asyncio.get_running_loop().time() + 2.0
        handler.hold_until = deadline + 0.05  # loop.time() is the monotonic clock
        delivery = await SmtpSender("127.0.0.1", port, SENDER).deliver(mails, deadline)
        return delivery.sent, delivery.error

    assert asyncio.run(scenario()) == (2, None)
    assert handler.taken == ["p0@example.org", "slow@example.org"]


def test_a_refusal_in_a_pipelined_batch_stops_it_there(tmp_path: Path) -> None:
    from kairos_localstack.smtp_sink import MaildirWriter, SmtpSession

    class Refusing(SmtpSession):
        def _rcpt(self, arg: str) -> None:
            if "refused" in arg:
                self.reply("550 5.1.1 no such mailbox")
            else:
                super()._rcpt(arg)

    async def scenario() -> tuple[int, str | None]:
        import mailbox

        mailbox.Maildir(str(tmp_path / "mail"), create=True)
        writer = MaildirWriter(tmp_path / "mail")
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: Refusing(writer, "sink"), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            mails = _mails(5)
            mails[2] = Outgoing("refused@example.org", "x", "k2", "t", "<p/>")
            delivery = await SmtpSender("127.0.0.1", port, SENDER).deliver(mails)
            return delivery.sent, delivery.error

    sent, error = asyncio.run(scenario())
    assert sent == 2 and error is not None and "550" in error
    stored = read_messages(tmp_path / "mail")
    assert [m["X-RcptTo"] for m in stored] == ["p0@example.org", "p1@example.org"]


def test_no_server_is_an_error_and_nothing_sent() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    delivery = asyncio.run(SmtpSender("127.0.0.1", port, SENDER).deliver(_mails(2)))
    assert delivery.sent == 0 and delivery.error is not None
