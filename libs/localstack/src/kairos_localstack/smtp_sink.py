"""An SMTP server that stores every message it receives in a Maildir.

    python -m kairos_localstack.smtp_sink --port P --maildir DIR

Tests read what was "sent" with read_messages(DIR). No auth, no TLS, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import itertools
import mailbox
import os
import signal
import socket
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from kairos_localstack.child import ChildServer


def read_messages(maildir: Path | str) -> list[EmailMessage]:
    """Every message in the Maildir (new and cur), oldest first, parsed with the modern API."""
    return [_parse(p) for p in _message_files(maildir)]


def _message_files(maildir: Path | str) -> list[Path]:
    files = [p for sub in ("new", "cur") for p in (Path(maildir) / sub).glob("*") if p.is_file()]
    files.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    return files


def _parse(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _smtp_banner(port: int) -> bool:
    import smtplib

    with smtplib.SMTP("127.0.0.1", port, timeout=1) as smtp:
        code, _ = smtp.noop()
        return code == 250


class SmtpSink(ChildServer):
    """The sink as a child process (used by the stack and the tests)."""

    label = "smtp sink"

    def __init__(
        self, maildir: Path, port: int | None = None, log_file: Path | None = None
    ) -> None:
        super().__init__(port, log_file)
        self.maildir = Path(maildir)
        self._parsed: dict[Path, EmailMessage] = {}

    def argv(self) -> list[str]:
        argv = [sys.executable, "-m", "kairos_localstack.smtp_sink"]
        return [*argv, "--port", str(self.port), "--maildir", str(self.maildir)]

    def ready(self) -> bool:
        return _smtp_banner(self.port or 0)

    def messages(self) -> list[EmailMessage]:
        """``read_messages``, each file parsed once: the tests' sink lives for the whole
        session and collects every test's mails, and tests ask for them again and again
        (parsing them all each time took calendar-sync's tests half a minute each)."""
        files = _message_files(self.maildir)
        for path in files:
            if path not in self._parsed:
                self._parsed[path] = _parse(path)
        return [self._parsed[path] for path in files]


class MaildirWriter:
    """Each message delivered into the Maildir as it came, in the Maildir way (written
    under ``tmp/``, then renamed into ``new/``), with the envelope in ``X-Peer``,
    ``X-MailFrom`` and ``X-RcptTo`` headers first (as aiosmtpd's ``Mailbox`` handler, which
    the sink once ran, wrote them). Lines end in LF, as Maildir files do."""

    def __init__(self, maildir: Path) -> None:
        self.tmp, self.new = Path(maildir) / "tmp", Path(maildir) / "new"
        self._host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
        self._pid = os.getpid()
        self._count = itertools.count()

    def store(self, peer: str, mail_from: str, rcpt_tos: list[str], content: bytes) -> None:
        head = f"X-Peer: {peer}\nX-MailFrom: {mail_from}\nX-RcptTo: {', '.join(rcpt_tos)}\n"
        self.deliver(head.encode("utf-8", "surrogateescape") + content.replace(b"\r\n", b"\n"))

    def deliver(self, message: bytes) -> None:
        """Into ``new/`` by way of ``tmp/``, in the loop's thread (a small local write)."""
        now = time.time()
        name = f"{int(now)}.M{int(now % 1 * 1e6)}P{self._pid}Q{next(self._count)}.{self._host}"
        with open(self.tmp / name, "wb") as f:
            f.write(message)
        os.rename(self.tmp / name, self.new / name)


_END_OF_DATA = b"\r\n.\r\n"


class SmtpSession(asyncio.Protocol):
    """One client's SMTP session (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
    with PIPELINING (RFC 2920): commands are taken from a buffer as they arrive, however
    many came in one read, and a message's content is cut out of the buffer at its end
    marker. aiosmtpd, which the sink ran before, read a message line by line through an
    ``asyncio.StreamReader`` and was most of the sink's time per mail."""

    def __init__(self, writer: MaildirWriter, hostname: str) -> None:
        self.writer, self.hostname = writer, hostname
        self.buffer = bytearray()
        self.greeted = False
        self.in_data = False
        self.mail_from: str | None = None
        self.rcpt_tos: list[str] = []
        self.peer = ""
        self.transport: asyncio.Transport | None = None
        #: replies waiting for the end of the current read (then sent together)
        self.replies: list[bytes] = []
        self.reading = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if peer else ""
        self.reply(f"220 {self.hostname} ESMTP Kairos SMTP sink")

    def reply(self, line: str) -> None:
        self.replies.append(line.encode() + b"\r\n")
        if not self.reading:
            self.flush()

    def flush(self) -> None:
        """The replies so far in one send (a pipelined group's answers go together)."""
        if self.replies and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(self.replies))
        self.replies.clear()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.reading = True
        try:
            self._take_buffer()
        finally:
            self.reading = False
            self.flush()

    def _take_buffer(self) -> None:
        while self.transport is not None and not self.transport.is_closing():
            if self.in_data:
                if not self._take_message():
                    return
            else:
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    if len(self.buffer) > 4096:  # no command is that long
                        self.reply("500 Line too long")
                        self.flush()
                        self.transport.close()
                    return
                line = bytes(self.buffer[:end]).decode("utf-8", "replace")
                del self.buffer[: end + 2]
                self._command(line)

    def _take_message(self) -> bool:
        """The message, if its end marker has arrived: stored, answered, True."""
        if self.buffer.startswith(b".\r\n"):  # an empty message
            end, skip = 0, 3
        else:
            end = self.buffer.find(_END_OF_DATA)
            if end < 0:
                return False
            end, skip = end + 2, 5 - 2  # keep the last line's CRLF, drop ".\r\n"
        content = bytes(self.buffer[:end])
        del self.buffer[: end + skip]
        # transparency (RFC 5321 4.5.2): a line's leading period is dropped
        if content.startswith(b"."):
            content = content[1:]
        content = content.replace(b"\r\n.", b"\r\n")
        self.writer.store(self.peer, self.mail_from or "", self.rcpt_tos, content)
        self.in_data, self.mail_from, self.rcpt_tos = False, None, []
        self.reply("250 OK")
        return True

    def _command(self, line: str) -> None:
        verb, _, arg = line.partition(" ")
        verb = verb.upper()
        if verb in ("EHLO", "HELO"):
            self.greeted, self.mail_from, self.rcpt_tos = True, None, []
            if verb == "HELO":
                self.reply(f"250 {self.hostname}")
            else:
                for ext in (self.hostname, "PIPELINING", "8BITMIME", "SMTPUTF8"):
                    self.reply(f"250-{ext}")
                self.reply("250 HELP")
        elif verb == "MAIL":
            self._mail(arg)
        elif verb == "RCPT":
            self._rcpt(arg)
        elif verb == "DATA":
            if not self.rcpt_tos:
                self.reply("503 Error: need RCPT command")
            else:
                self.in_data = True
                self.reply("354 End data with <CR><LF>.<CR><LF>")
        elif verb == "RSET":
            self.mail_from, self.rcpt_tos = None, []
            self.reply("250 OK")
        elif verb == "NOOP":
            self.reply("250 OK")
        elif verb == "QUIT":
            self.reply("221 Bye")
            self.flush()
            if self.transport is not None:
                self.transport.close()
        else:
            self.reply(f'500 Error: command "{verb}" not recognized')

    def _mail(self, arg: str) -> None:
        address = _path(arg, "FROM:")
        if not self.greeted:
            self.reply("503 Error: send HELO first")
        elif self.mail_from is not None:
            self.reply("503 Error: nested MAIL command")
        elif address is None:
            self.reply("501 Syntax: MAIL FROM: <address>")
        else:
            self.mail_from = address
            self.reply("250 OK")

    def _rcpt(self, arg: str) -> None:
        address = _path(arg, "TO:")
        if self.mail_from is None:
            self.reply("503 Error: need MAIL command")
        elif not address:
            self.reply("501 Syntax: RCPT TO: <address>")
        else:
            self.rcpt_tos.append(address)
            self.reply("250 OK")


def _path(arg: str, keyword: str) -> str | None:
    """The address of ``FROM:<a> [params]`` / ``TO:<a> [params]`` ("" for the null path)."""
    if not arg[: len(keyword)].upper() == keyword:
        return None
    rest = arg[len(keyword) :].strip()
    if rest.startswith("<"):
        close = rest.find(">")
        return rest[1:close] if close > 0 else None
    return rest.split(" ", 1)[0] or None


async def serve(host: str, port: int, maildir: Path, stop: asyncio.Event) -> None:
    writer = MaildirWriter(maildir)
    hostname = socket.getfqdn()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SmtpSession(writer, hostname), host, port)
    print(f"smtp sink on {host}:{port} -> {maildir}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args(argv)

    mailbox.Maildir(str(args.maildir), create=True)  # new/, cur/ and tmp/

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(args.host, args.port, args.maildir, stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
