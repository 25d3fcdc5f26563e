"""The mail job: send queued invitations, mark them sent, retry while SMTP is down.

Rows are claimed with SKIP LOCKED and a lease, so replicas never send the same row. A
batch goes out over one SMTP session and its outcome is recorded in one transaction. The
one window left is a crash after the SMTP server accepted mails of a batch and before we
marked them: those go again, with the same Message-ID, which mail clients fold into one.
"""

from __future__ import annotations

import logging

from kairos_calendar_sync.service_layer.context import Context, Mailer, UowFactory

__all__ = ["Mailer", "send_once"]

log = logging.getLogger(__name__)


async def send_once(uow_factory: UowFactory, ctx: Context, mailer: Mailer) -> int:
    """One batch through ``mailer``; returns how many mails were claimed (0: nothing due)."""
    async with uow_factory() as uow:
        mails = await uow.mails.claim(ctx.batch_size, ctx.lease_s)
        await uow.commit()
    if not mails:
        return 0
    delivery = await mailer.send(mails)
    backoff_s = 0.0
    if delivery.error is not None and delivery.sent < len(mails):
        failed = mails[delivery.sent]
        log.warning("invitation %s not sent yet: %s", failed.id, delivery.error)
        backoff_s = ctx.policy.backoff_s(failed.attempts + 1)
    async with uow_factory() as uow:
        await uow.mails.settle([m.id for m in mails], delivery.sent, delivery.error, backoff_s)
        await uow.commit()
    return len(mails)
