"""The mail job: send queued invitations, mark them sent, retry while SMTP is down.

Rows are claimed with SKIP LOCKED and a lease, so replicas never send the same row. The
one window left is a crash after the SMTP server accepted a mail and before we marked it:
that mail goes again, with the same Message-ID, which mail clients fold into one.
"""

from __future__ import annotations

import logging
from typing import Protocol

from kairos_calendar_sync.adapters.mail_repository import Mail
from kairos_calendar_sync.service_layer.context import Context

log = logging.getLogger(__name__)


class MailUnavailable(Exception):
    """The SMTP server could not take the mail now."""


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


async def send_once(ctx: Context, mailer: Mailer) -> int:
    async with ctx.uow_factory() as uow:
        mails = await uow.mails.claim(ctx.batch_size, ctx.lease_s)
        await uow.commit()
    down = False
    for mail in mails:
        if down:
            await _finish(ctx, mail, release=True)
            continue
        try:
            await mailer.send(mail)
        except MailUnavailable as exc:
            down = True  # no point trying the rest of the batch now
            await _finish(ctx, mail, error=str(exc))
            continue
        await _finish(ctx, mail)
    return len(mails)


async def _finish(
    ctx: Context, mail: Mail, *, error: str | None = None, release: bool = False
) -> None:
    async with ctx.uow_factory() as uow:
        if release:
            await uow.mails.release(mail.id)
        elif error is not None:
            log.warning("invitation %s not sent yet: %s", mail.id, error)
            await uow.mails.failed(mail.id, error, ctx.policy.backoff_s(mail.attempts + 1))
        else:
            await uow.mails.sent(mail.id)
        await uow.commit()
