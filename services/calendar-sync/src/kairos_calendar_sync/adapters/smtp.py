"""Queued mails as SMTP messages (``kairos_platform.mail.SmtpMailer`` sends them): text +
HTML bodies, the .ics invitation when there is one (text/calendar; method=...), and the
one-click unsubscribe headers (RFC 8058) when the mail's topic can be turned off."""

from __future__ import annotations

from kairos_calendar_sync.adapters.mail_repository import Mail
from kairos_platform.mail import Attachment, Outgoing


def outgoing(mail: Mail) -> Outgoing:
    attachment = None
    if mail.ics is not None:
        params = {"method": mail.method} if mail.method else {}
        attachment = Attachment(mail.ics, "calendar", "invite.ics", params=params)
    return Outgoing(
        recipient=mail.recipient,
        subject=mail.subject,
        message_id=mail.message_key,
        text=mail.body_text,
        html=mail.body_html,
        attachment=attachment,
        unsubscribe_url=mail.unsubscribe_url,
    )
