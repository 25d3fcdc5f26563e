"""The mail job: send queued mails, mark them sent, retry while SMTP is down.

Rows are claimed with SKIP LOCKED and a lease, so replicas never send the same row at the
same time; ``dedupe_key`` is unique, so nothing is queued twice. The one window left is a
crash after the SMTP server accepted a mail and before we marked it: that mail goes again
with the same Message-ID, which mail clients fold into one.
"""

from __future__ import annotations

import logging
from typing import Protocol

from kairos_attendance.adapters.mail_repository import QueuedMail
from kairos_attendance.service_layer.context import Context
from kairos_attendance.service_layer.templates import Mail

log = logging.getLogger(__name__)


class MailUnavailable(Exception):
    """The SMTP server could not take the mail now."""


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


def backoff_s(ctx: Context, attempts: int) -> float:
    s = ctx.settings
    return float(min(s.mail_backoff_max_s, s.mail_backoff_base_s * 2 ** max(0, attempts - 1)))


async def send_once(ctx: Context, mailer: Mailer) -> int:
    """One batch; returns how many mails were claimed (0: nothing due)."""
    async with ctx.uow_factory() as uow:
        batch = await uow.mails.claim(ctx.settings.mail_batch_size, ctx.settings.mail_lease_s)
        await uow.commit()
    down = False
    for queued in batch:
        if down:  # no point trying the rest of the batch now
            await _finish(ctx, queued, release=True)
            continue
        try:
            await mailer.send(queued.mail)
        except MailUnavailable as exc:
            down = True
            await _finish(ctx, queued, error=str(exc))
            continue
        await _finish(ctx, queued)
    return 0 if down else len(batch)


async def _finish(
    ctx: Context, queued: QueuedMail, *, error: str | None = None, release: bool = False
) -> None:
    async with ctx.uow_factory() as uow:
        if release:
            await uow.mails.release(queued.id)
        elif error is not None:
            log.warning("mail %s not sent yet: %s", queued.id, error)
            await uow.mails.failed(queued.id, error, backoff_s(ctx, queued.attempts + 1))
        else:
            await uow.mails.sent(queued.id)
        await uow.commit()
