"""The MIME the mail jobs send, read back with the modern parser as a mail client would."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import cast

from kairos_platform.mail import Attachment, Outgoing, mime

SENDER = "Kairos <calendar@kairos.local>"


def _parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_a_mail_with_an_attachment_reads_back_whole() -> None:
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    out = Outgoing(
        recipient="ana@example.org",
        subject="Invitation: Señal on Lundi 07 décembre 2026, 10:00 (Europe/Paris)",
        message_id="b1.0.request.abc",
        text="Hello Ana,\n\nSeñal at 10:00.\n",
        html="<html><body><p>Hello Ana,</p></body></html>",
        attachment=Attachment(ics, "calendar", "invite.ics", params={"method": "REQUEST"}),
    )
    msg = _parsed(mime(out, SENDER))
    assert msg["From"] == SENDER and msg["To"] == "ana@example.org"
    assert msg["Subject"] == out.subject  # non-ASCII survives as RFC 2047 words
    assert msg["Message-ID"] == "<b1.0.request.abc@kairos>" and msg["Date"]
    assert msg.get_content_type() == "multipart/mixed"
    plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and plain.get_content() == out.text
    assert html is not None and html.get_content() == out.html
    [part] = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "invite.ics"
    assert part.get_payload(decode=True) == ics


def test_a_mail_without_attachment_is_the_two_alternatives() -> None:
    out = Outgoing("bo@example.org", "Warning: one missed session", "k1", "text", "<p>html</p>")
    msg = _parsed(mime(out, SENDER))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Subject"] == "Warning: one missed session"


def test_lines_end_in_crlf_and_stay_short_for_smtp() -> None:
    out = Outgoing("bo@example.org", "x" * 200, "k1", "a" * 3000, "<p>" + "b" * 3000 + "</p>")
    raw = mime(out, SENDER)
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # no bare LF: smtplib sends bytes as is
    assert max(len(line) for line in lines) <= 998  # RFC 5321's limit


def test_headers_are_written_as_compat32_writes_them() -> None:
    # the short cut for plain headers that fit on a line changes no byte: short and long,
    # single and double spaces, tabs, parameters, at and around the line's length
    from email.policy import compat32

    from kairos_platform.mail import _WIRE

    reference = compat32.clone(linesep="\r\n")
    values = ["", "x", "a b", "a  b", " a", "a ", "a\tb", "<k1@kairos>", 'a; b="c"']
    values += ["w" * n for n in range(60, 100)] + ["word " * n for n in range(10, 20)]
    values += [
        f"<https://kairos.example/api/calendar-sync/unsubscribe/{'t' * n}>" for n in (10, 80)
    ]
    for name in ("To", "Subject", "Message-ID", "List-Unsubscribe"):
        for value in values:
            assert _WIRE.fold_binary(name, value) == reference.fold_binary(name, value), value


def test_each_message_has_its_own_boundary_and_reads_back() -> None:
    out = Outgoing("bo@example.org", "Reminder", "k1", "--text\n", "<p>html</p>")
    a, b = _parsed(mime(out, SENDER)), _parsed(mime(out, SENDER))
    assert a.get_boundary() != b.get_boundary()
    plain = a.get_body(("plain",))
    assert plain is not None and plain.get_content() == "--text\n"


def _reference(mail: Outgoing, date: str, inner: str, outer: str) -> bytes:
    """The message as the ``email`` package builds it (MIMEMultipart and MIMEText under
    compat32 with CRLF): what the mail job sent before it wrote messages out itself."""
    from email.header import Header
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.policy import compat32

    body = MIMEMultipart("alternative", boundary=inner)
    body.attach(MIMEText(mail.text, "plain", "utf-8"))
    body.attach(MIMEText(mail.html, "html", "utf-8"))
    msg = body
    if mail.attachment is not None:
        msg = MIMEMultipart("mixed", boundary=outer)
        msg.attach(body)
        a = mail.attachment
        part = MIMEText(a.content.decode(), a.subtype, "utf-8")
        for name, value in a.params.items():
            part.set_param(name, value)
        part.add_header("Content-Disposition", "attachment", filename=a.filename)
        msg.attach(part)
    msg["From"] = SENDER
    msg["To"] = mail.recipient
    subject = mail.subject
    msg["Subject"] = subject if subject.isascii() else cast(str, Header(subject, "utf-8"))
    msg["Date"] = date
    msg["Message-ID"] = f"<{mail.message_id}@kairos>"
    if mail.unsubscribe_url is not None:
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return msg.as_bytes(policy=compat32.clone(linesep="\r\n"))


def test_messages_are_what_the_email_package_writes_byte_for_byte() -> None:
    from kairos_platform.mail import message_bytes

    ics = b"BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\n" + b"DESCRIPTION:" + b"z" * 300 + b"\r\n"
    subjects = ["Reminder", "Rappel : votre séance demain à 10:00 (Europe/Paris)", "s " * 60]
    mails = [
        Outgoing(to, subject, "b1.0.reminder60.abc", text, html, attachment, unsubscribe)
        for to in ("ana@example.org", "ñandú@example.org")
        for subject in subjects
        for text, html in (("Hi\n\nSeñal at 10:00.\n", "<p>" + "é" * 500 + "</p>"), ("", ""))
        for attachment in (None, Attachment(ics, "calendar", "invite.ics", {"method": "CANCEL"}))
        for unsubscribe in (None, "https://kairos.example/api/calendar/unsubscribe/" + "t" * 90)
    ]
    date, inner, outer = "Mon, 07 Dec 2026 20:37:50 -0000", "=" * 15 + "1" * 19 + "==", "=" * 9
    for mail in mails:
        assert message_bytes(mail, SENDER, date, inner, outer) == _reference(
            mail, date, inner, outer
        ), mail
