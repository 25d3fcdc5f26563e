"""An SMTP server that stores every message it receives in a Maildir.

    python -m kairos_localstack.smtp_sink --port P --maildir DIR

Tests read what was "sent" with read_messages(DIR). No auth, no TLS, loopback only.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import mailbox
import os
import signal
import socket
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from kairos_localstack.child import ChildServer


def read_messages(maildir: Path | str) -> list[EmailMessage]:
    """Every message in the Maildir (new and cur), oldest first, parsed with the modern API."""
    files = [p for sub in ("new", "cur") for p in (Path(maildir) / sub).glob("*") if p.is_file()]
    files.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


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

    def argv(self) -> list[str]:
        argv = [sys.executable, "-m", "kairos_localstack.smtp_sink"]
        return [*argv, "--port", str(self.port), "--maildir", str(self.maildir)]

    def ready(self) -> bool:
        return _smtp_banner(self.port or 0)

    def messages(self) -> list[EmailMessage]:
        return read_messages(self.maildir)


class MaildirWriter:
    """The sink's aiosmtpd handler: each message delivered into the Maildir as it came, in
    the Maildir way (written under ``tmp/``, then renamed into ``new/``), with the envelope
    in ``X-Peer``, ``X-MailFrom`` and ``X-RcptTo`` headers first, as aiosmtpd's ``Mailbox``
    handler adds them. ``Mailbox`` parsed every message into an ``email`` object and wrote
    it out again, most of the sink's time per message; the bytes need neither."""

    def __init__(self, maildir: Path) -> None:
        self.tmp, self.new = Path(maildir) / "tmp", Path(maildir) / "new"
        self._host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
        self._pid = os.getpid()
        self._count = itertools.count()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or b""
        head = (
            f"X-Peer: {session.peer[0] if session.peer else ''}\n"
            f"X-MailFrom: {envelope.mail_from}\n"
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\n"
        ).encode("utf-8", "surrogateescape")
        self.deliver(head + content.replace(b"\r\n", b"\n"))  # Maildir files end lines in LF
        return "250 OK"

    def deliver(self, message: bytes) -> None:
        """Into ``new/`` by way of ``tmp/``, in the loop's thread (a small local write, as
        aiosmtpd's ``Mailbox`` made it)."""
        now = time.time()
        name = f"{int(now)}.M{int(now % 1 * 1e6)}P{self._pid}Q{next(self._count)}.{self._host}"
        with open(self.tmp / name, "wb") as f:
            f.write(message)
        os.rename(self.tmp / name, self.new / name)


def main(argv: list[str] | None = None) -> None:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args(argv)

    mailbox.Maildir(str(args.maildir), create=True)  # new/, cur/ and tmp/
    controller = Controller(
        MaildirWriter(args.maildir), hostname=args.host, port=args.port, decode_data=False
    )
    controller.start()  # serves in a background thread
    print(f"smtp sink on {args.host}:{args.port} -> {args.maildir}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
