import smtplib
import socket
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from kairos_localstack.radicale import RadicaleServer
from kairos_localstack.smtp_sink import SmtpSink, read_messages

pytestmark = pytest.mark.integration

MKCALENDAR = b"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>Sessions</D:displayname></D:prop></D:set>
</C:mkcalendar>"""


def test_radicale_propfind_and_per_user_calendar(tmp_path: Path) -> None:
    server = RadicaleServer(tmp_path / "cal", log_file=tmp_path / "radicale.log")
    server.start()
    try:
        auth = ("mentor-1", "anything")
        resp = httpx.request("PROPFIND", server.url, headers={"Depth": "0"}, auth=auth)
        assert resp.status_code == 207
        made = httpx.request(
            "MKCALENDAR", f"{server.url}mentor-1/sessions/", content=MKCALENDAR, auth=auth
        )
        assert made.status_code == 201
        listing = httpx.request(
            "PROPFIND", f"{server.url}mentor-1/", headers={"Depth": "1"}, auth=auth
        )
        assert listing.status_code == 207
        assert "/mentor-1/sessions/" in listing.text
    finally:
        server.stop()


def test_radicale_htpasswd_rejects_wrong_password(tmp_path: Path) -> None:
    server = RadicaleServer(tmp_path / "cal", users={"alice": "secret"})
    server.start()
    try:
        ok = httpx.request(
            "PROPFIND", f"{server.url}alice/", headers={"Depth": "0"}, auth=("alice", "secret")
        )
        bad = httpx.request(
            "PROPFIND", f"{server.url}alice/", headers={"Depth": "0"}, auth=("alice", "nope")
        )
        assert ok.status_code == 207
        assert bad.status_code == 401
    finally:
        server.stop()


def test_smtp_sink_stores_message_in_maildir(tmp_path: Path) -> None:
    sink = SmtpSink(tmp_path / "mail", log_file=tmp_path / "smtp.log")
    sink.start()
    try:
        msg = EmailMessage()
        msg["From"] = "kairos@example.org"
        msg["To"] = "client@example.org"
        msg["Subject"] = "Your session is booked"
        msg.set_content("See you on Monday.")
        assert sink.port is not None
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
            smtp.send_message(msg)
    finally:
        sink.stop()
    stored = read_messages(tmp_path / "mail")
    assert len(stored) == 1
    assert stored[0]["Subject"] == "Your session is booked"
    assert stored[0].get_content().strip() == "See you on Monday."


def test_smtp_sink_stores_each_message_as_received_with_its_envelope(tmp_path: Path) -> None:
    sink = SmtpSink(tmp_path / "mail", log_file=tmp_path / "smtp.log")
    sink.start()
    try:
        assert sink.port is not None
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
            for n in range(3):  # one session, several messages
                raw = (
                    f"From: k@example.org\r\nTo: c{n}@example.org\r\nSubject: n{n}\r\n"
                    f"Message-ID: <m{n}@kairos>\r\n\r\n.leading dot\r\nline {n}\r\n"
                ).encode()
                smtp.sendmail("k@example.org", [f"c{n}@example.org"], raw)
    finally:
        sink.stop()
    files = sorted((tmp_path / "mail" / "new").iterdir())
    assert len(files) == 3 and not list((tmp_path / "mail" / "tmp").iterdir())
    stored = read_messages(tmp_path / "mail")
    assert sorted(m["Message-ID"] for m in stored) == ["<m0@kairos>", "<m1@kairos>", "<m2@kairos>"]
    for m in stored:
        n = m["Subject"][1:]
        assert m["X-RcptTo"] == f"c{n}@example.org" and m["X-MailFrom"] == "k@example.org"
        assert m.get_content() == f".leading dot\nline {n}\n"  # dot-unstuffed, LF line ends


def _replies(sock: socket.socket, count: int) -> list[str]:
    """The next ``count`` complete replies (a multi-line reply counts once)."""
    got: list[str] = []
    buf = b""
    while len(got) < count:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {got}"
        buf += chunk
        while b"\r\n" in buf and len(got) < count:
            line, buf = buf.split(b"\r\n", 1)
            if line[3:4] != b"-":  # the last line of a reply
                got.append(line.decode())
    return got


def test_smtp_sink_takes_pipelined_messages_and_refuses_out_of_order_commands(
    tmp_path: Path,
) -> None:
    """PIPELINING (RFC 2920): a message's content, its end and the next transaction's
    MAIL, RCPT and DATA in one write, answered in order; commands out of order refused."""
    sink = SmtpSink(tmp_path / "mail", log_file=tmp_path / "smtp.log")
    sink.start()
    try:
        assert sink.port is not None
        with socket.create_connection(("127.0.0.1", sink.port), timeout=10) as sock:
            assert _replies(sock, 1)[0].startswith("220 ")
            sock.sendall(b"RCPT TO:<early@example.org>\r\nEHLO bench\r\n")
            refused, ehlo = _replies(sock, 2)
            assert refused.startswith("503 ") and ehlo.startswith("250 ")
            envelope = b"MAIL FROM:<k@example.org>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n"
            sock.sendall(envelope)
            assert [r[:3] for r in _replies(sock, 3)] == ["250", "250", "354"]
            first = b"Subject: one\r\n\r\n.leading\r\n..two dots\r\n.\r\n"
            second = b"Subject: two\r\n\r\nbody\r\n.\r\n"
            sock.sendall(first + envelope.replace(b"a@", b"b@"))
            assert [r[:3] for r in _replies(sock, 4)] == ["250", "250", "250", "354"]
            sock.sendall(second + b"MAIL FROM:<>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n.\r\n")
            assert [r[:3] for r in _replies(sock, 5)] == ["250", "250", "250", "354", "250"]
            sock.sendall(b"QUIT\r\n")
            assert _replies(sock, 1)[0].startswith("221 ")
    finally:
        sink.stop()
    stored = {m["X-RcptTo"]: m for m in read_messages(tmp_path / "mail")}
    assert sorted(stored) == ["a@example.org", "b@example.org", "c@example.org"]
    assert stored["a@example.org"].get_content() == "leading\n.two dots\n"
    assert stored["b@example.org"]["Subject"] == "two"
    assert stored["c@example.org"]["X-MailFrom"] == ""
