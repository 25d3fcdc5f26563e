"""Attendance's mails as SMTP messages (``kairos_platform.mail.SmtpMailer`` sends them):
text + HTML alternatives, rendered from their template only now, for their reader."""

from __future__ import annotations

import hashlib

from kairos_attendance.service_layer.templates import QueuedMail, rendered
from kairos_platform.mail import Outgoing


def outgoing(queued: QueuedMail) -> Outgoing:
    r = rendered(queued.mail, queued.reader)
    return Outgoing(
        recipient=r.recipient,
        subject=r.subject,
        message_id=hashlib.sha256(r.dedupe_key.encode()).hexdigest()[:32],
        text=r.body_text,
        html=r.body_html,
    )
