"""The mail job: send queued invitations, mark them sent, retry while SMTP is down.

Rows are claimed with SKIP LOCKED and a lease, so replicas never send the same row. A
batch goes out over one SMTP session and its outcome is recorded in one transaction. The
one window left is a crash after the SMTP server accepted mails of a batch and before we
marked them: those go again, with the same Message-ID, which mail clients fold into one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from kairos_calendar_sync.adapters.mail_repository import Mail
from kairos_calendar_sync.service_layer.context import Context
from kairos_platform.mail import Delivery

log = logging.getLogger(__name__)


class Mailer(Protocol):
    async def send(self, mails: Sequence[Mail]) -> Delivery:
        """Send in order, stopping at the first mail the server does not take."""
        ...


async def send_once(ctx: Context, mailer: Mailer) -> int:
    """One batch; returns how many mails were claimed (0: nothing due)."""
    async with ctx.uow_factory() as uow:
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
    async with ctx.uow_factory() as uow:
        await uow.mails.settle([m.id for m in mails], delivery.sent, delivery.error, backoff_s)
        await uow.commit()
    return len(mails)
