"""Mails over SMTP: text + HTML alternatives, a batch per SMTP session."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from kairos_attendance.service_layer.templates import Mail, rendered
from kairos_platform.mail import Delivery, Outgoing, SmtpSender


def outgoing(mail: Mail) -> Outgoing:
    r = rendered(mail)
    return Outgoing(
        recipient=r.recipient,
        subject=r.subject,
        message_id=hashlib.sha256(r.dedupe_key.encode()).hexdigest()[:32],
        text=r.body_text,
        html=r.body_html,
    )


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, timeout_s: float = 10.0) -> None:
        self._smtp = SmtpSender(host, port, sender, timeout_s)

    async def send(self, mails: Sequence[Mail]) -> Delivery:
        return await self._smtp.deliver([outgoing(m) for m in mails])
