"""Mails over SMTP for every service's mail job: a batch goes over one SMTP session.

A session per mail (connect, EHLO, QUIT and a worker thread each time) and the ``email``
package's default policy, which re-parses every header through its registry while it
writes the message, cost calendar-sync two thirds of its CPU per paid booking. Messages are
built with the ``compat32`` classes instead (the same MIME structure: text and HTML
alternatives, an optional attachment), and sent over one connection in a worker thread,
since smtplib blocks.

``deliver`` reports how far it got: the server accepted the first ``sent`` mails of the
batch, in order, and ``error`` says why the next one was not taken (the server is down or
refused it). The job marks what was sent and retries the rest later.
"""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate, parseaddr
from typing import cast

# SMTP wants CRLF line ends, and smtplib leaves bytes as they are
_WIRE = compat32.clone(linesep="\r\n")


@dataclass(frozen=True)
class Attachment:
    content: bytes
    subtype: str  # of text/: "calendar"
    filename: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    subject: str
    # Stable per mail: a mail sent again after a crash keeps it, and clients show it once.
    message_id: str
    text: str
    html: str
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Delivery:
    sent: int
    error: str | None = None


def mime(mail: Outgoing, sender: str) -> bytes:
    """The message as bytes: multipart/mixed of (text | html alternatives) and the attachment;
    multipart/alternative alone when there is none."""
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(mail.text, "plain", "utf-8"))
    body.attach(MIMEText(mail.html, "html", "utf-8"))
    msg = body
    if mail.attachment is not None:
        msg = MIMEMultipart("mixed")
        msg.attach(body)
        a = mail.attachment
        part = MIMEText(a.content.decode(), a.subtype, "utf-8")
        for name, value in a.params.items():
            part.set_param(name, value)
        part.add_header("Content-Disposition", "attachment", filename=a.filename)
        msg.attach(part)
    msg["From"] = sender
    msg["To"] = mail.recipient
    # compat32 writes a str as given, a Header as RFC 2047 words (typeshed knows str only)
    subject = mail.subject
    msg["Subject"] = subject if subject.isascii() else cast(str, Header(subject, "utf-8"))
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{mail.message_id}@kairos>"
    return msg.as_bytes(policy=_WIRE)


class SmtpSender:
    def __init__(self, host: str, port: int, sender: str, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout_s = host, port, sender, timeout_s
        self._envelope_from = parseaddr(sender)[1] or sender

    async def deliver(self, batch: Sequence[Outgoing]) -> Delivery:
        if not batch:
            return Delivery(0)
        messages = [(m.recipient, mime(m, self.sender)) for m in batch]
        return await asyncio.to_thread(self._deliver, messages)

    def _deliver(self, messages: list[tuple[str, bytes]]) -> Delivery:
        sent = 0
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                for recipient, message in messages:
                    smtp.sendmail(self._envelope_from, [recipient], message)
                    sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            return Delivery(sent, f"SMTP: {type(exc).__name__}: {exc}")
        return Delivery(sent)
