"""An SMTP server that stores every message it receives in a Maildir.

    python -m kairos_localstack.smtp_sink --port P --maildir DIR

Tests read what was "sent" with read_messages(DIR). No auth, no TLS, loopback only.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import mailbox
import signal
import sys
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from kairos_localstack.child import ChildServer


def read_messages(maildir: Path | str) -> list[EmailMessage]:
    """Every message in the Maildir (new and cur), oldest first, parsed with the modern API."""
    files = [p for sub in ("new", "cur") for p in (Path(maildir) / sub).glob("*") if p.is_file()]
    files.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [
        cast(EmailMessage, email.message_from_bytes(p.read_bytes(), policy=email.policy.default))
        for p in files
    ]


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


def main(argv: list[str] | None = None) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args(argv)

    # aiosmtpd's Mailbox handler opens the Maildir without create=True: make new/cur/tmp.
    mailbox.Maildir(str(args.maildir), create=True)
    controller = Controller(Mailbox(args.maildir), hostname=args.host, port=args.port)
    controller.start()  # serves in a background thread
    print(f"smtp sink on {args.host}:{args.port} -> {args.maildir}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
