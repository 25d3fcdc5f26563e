"""Invitations over SMTP: text + HTML bodies and the .ics (text/calendar; method=...)."""

from __future__ import annotations

from collections.abc import Sequence

from kairos_calendar_sync.adapters.mail_repository import Mail
from kairos_platform.mail import Attachment, Delivery, Outgoing, SmtpSender


def outgoing(mail: Mail) -> Outgoing:
    return Outgoing(
        recipient=mail.recipient,
        subject=mail.subject,
        message_id=mail.message_key,
        text=mail.body_text,
        html=mail.body_html,
        attachment=Attachment(mail.ics, "calendar", "invite.ics", params={"method": mail.method}),
    )


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout_s: float = 10.0) -> None:
        self._smtp = SmtpSender(host, port, sender, timeout_s)

    async def send(self, mails: Sequence[Mail]) -> Delivery:
        return await self._smtp.deliver([outgoing(m) for m in mails])
