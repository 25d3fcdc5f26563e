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
import subprocess
import sys
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from kairos_localstack.ports import free_port
from kairos_localstack.proc import spawn, stop_group, wait_until


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


class SmtpSink:
    """The sink as a child process (used by the stack and the tests)."""

    def __init__(
        self, maildir: Path, port: int | None = None, log_file: Path | None = None
    ) -> None:
        self.maildir = Path(maildir)
        self.port = port
        self.log_file = log_file
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None

    def start(self, timeout: float = 30.0) -> None:
        if self.proc is not None:
            return
        if self.port is None:
            self.port = free_port()
        argv = [sys.executable, "-m", "kairos_localstack.smtp_sink"]
        argv += ["--port", str(self.port), "--maildir", str(self.maildir)]
        self.proc = spawn(argv, self.log_file)
        self.pid = self.proc.pid
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30.0) -> None:
        wait_until(
            lambda: _smtp_banner(self.port or 0), timeout, "smtp sink", self.proc, self.log_file
        )

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None:
            return
        stop_group(self.proc.pid, timeout=timeout, proc=self.proc)
        self.proc = None
        self.pid = None

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
