"""Invitations as SMTP messages (``kairos_platform.mail.SmtpMailer`` sends them): text +
HTML bodies and the .ics (text/calendar; method=...)."""

from __future__ import annotations

from kairos_calendar_sync.adapters.mail_repository import Mail
from kairos_platform.mail import Attachment, Outgoing


def outgoing(mail: Mail) -> Outgoing:
    return Outgoing(
        recipient=mail.recipient,
        subject=mail.subject,
        message_id=mail.message_key,
        text=mail.body_text,
        html=mail.body_html,
        attachment=Attachment(mail.ics, "calendar", "invite.ics", params={"method": mail.method}),
    )
