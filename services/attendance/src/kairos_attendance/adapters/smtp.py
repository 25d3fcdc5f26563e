"""Mails over SMTP: text + HTML alternatives. smtplib blocks, so each send runs in a thread."""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from kairos_attendance.service_layer.mail import MailUnavailable
from kairos_attendance.service_layer.templates import Mail, Rendered, rendered


def message(mail: Rendered, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    # A mail re-sent after a crash keeps its Message-ID, so clients show it once.
    msg["Message-ID"] = f"<{hashlib.sha256(mail.dedupe_key.encode()).hexdigest()[:32]}@kairos>"
    msg.set_content(mail.body_text)
    msg.add_alternative(mail.body_html, subtype="html")
    return msg


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout_s = host, port, sender, timeout_s

    def _send(self, msg: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            smtp.send_message(msg)

    async def send(self, mail: Mail) -> None:
        try:
            await asyncio.to_thread(self._send, message(rendered(mail), self.sender))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailUnavailable(f"SMTP: {type(exc).__name__}: {exc}") from exc
