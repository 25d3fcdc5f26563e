"""Reading the sink's Maildir: each message is parsed once however often the tests ask
(the session's sink collects every test's mails), in delivery order, new ones included."""

from __future__ import annotations

import os
from pathlib import Path

from kairos_localstack.smtp_sink import SmtpSink, read_messages


def _deliver(maildir: Path, name: str, subject: str, mtime_ns: int) -> None:
    path = maildir / "new" / name
    path.write_bytes(f"Subject: {subject}\nTo: a@example.org\n\nbody\n".encode())
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_each_message_is_parsed_once_and_new_ones_are_read(tmp_path: Path) -> None:
    maildir = tmp_path / "maildir"
    (maildir / "new").mkdir(parents=True)
    sink = SmtpSink(maildir)  # not started: only its Maildir is read
    _deliver(maildir, "b", "second", 2_000_000_000)
    _deliver(maildir, "a", "first", 1_000_000_000)
    first = sink.messages()
    assert [m["Subject"] for m in first] == ["first", "second"]
    _deliver(maildir, "c", "third", 3_000_000_000)
    again = sink.messages()
    assert [m["Subject"] for m in again] == ["first", "second", "third"]
    assert again[0] is first[0] and again[1] is first[1]  # not parsed a second time
    assert [m["Subject"] for m in read_messages(maildir)] == ["first", "second", "third"]
