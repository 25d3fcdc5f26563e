"""The mail job: send queued mails, mark them sent, retry while SMTP is down.

Rows are claimed with SKIP LOCKED and a lease, so replicas never send the same row at the
same time; ``dedupe_key`` is unique, so nothing is queued twice. A batch goes out over one
SMTP session and its outcome is recorded in one transaction. The one window left is a
crash after the SMTP server accepted mails of a batch and before we marked them: those go
again with the same Message-ID, which mail clients fold into one.
"""

from __future__ import annotations

import logging

from kairos_attendance.service_layer.context import Context, Mailer, UowFactory

__all__ = ["Mailer", "backoff_s", "send_once"]

log = logging.getLogger(__name__)


def backoff_s(ctx: Context, attempts: int) -> float:
    s = ctx.settings
    return float(min(s.mail_backoff_max_s, s.mail_backoff_base_s * 2 ** max(0, attempts - 1)))


async def send_once(uow_factory: UowFactory, ctx: Context, mailer: Mailer) -> int:
    """One batch through ``mailer``; returns how many mails were claimed (0: nothing due,
    or SMTP down)."""
    async with uow_factory() as uow:
        batch = await uow.mails.claim(ctx.settings.mail_batch_size, ctx.settings.mail_lease_s)
        await uow.commit()
    if not batch:
        return 0
    delivery = await mailer.send([queued.mail for queued in batch])
    wait_s = 0.0
    if delivery.error is not None and delivery.sent < len(batch):
        failed = batch[delivery.sent]
        log.warning("mail %s not sent yet: %s", failed.id, delivery.error)
        wait_s = backoff_s(ctx, failed.attempts + 1)
    async with uow_factory() as uow:
        await uow.mails.settle([q.id for q in batch], delivery.sent, delivery.error, wait_s)
        await uow.commit()
    return 0 if delivery.error is not None else len(batch)
