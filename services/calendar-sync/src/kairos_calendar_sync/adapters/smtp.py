"""Invitations over SMTP: text + HTML bodies and the .ics (text/calendar; method=...).

smtplib is blocking, so each send runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from kairos_calendar_sync.adapters.mail_repository import Mail
from kairos_calendar_sync.service_layer.mail import MailUnavailable


def message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    # The same mail re-sent after a crash keeps its Message-ID: clients show it once.
    msg["Message-ID"] = f"<{mail.message_key}@kairos>"
    msg.set_content(mail.body_text)
    msg.add_alternative(mail.body_html, subtype="html")
    msg.add_attachment(
        mail.ics,
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": mail.method},
    )
    return msg


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout_s = host, port, sender, timeout_s

    def _send(self, msg: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            smtp.send_message(msg)

    async def send(self, mail: Mail) -> None:
        try:
            await asyncio.to_thread(self._send, message(mail, self.sender))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailUnavailable(f"SMTP: {type(exc).__name__}: {exc}") from exc
