"""SQL repository of mails waiting for SMTP (claimed with SKIP LOCKED and a lease)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_attendance.adapters.orm import email_outbox
from kairos_attendance.adapters.readers_repository import SqlReaderRepository
from kairos_attendance.service_layer.templates import Mail, QueuedMail
from kairos_platform.leased_queue import LeasedQueue

_ADD = text(
    """
    INSERT INTO email_outbox (dedupe_key, recipient, template, params)
    SELECT k, r, t, CAST(p AS jsonb)
    FROM unnest(CAST(:keys AS text[]), CAST(:to AS text[]), CAST(:templates AS text[]),
                CAST(:params AS text[])) AS u(k, r, t, p)
    ON CONFLICT (dedupe_key) DO NOTHING
    """
)


def _queued(row: Any) -> QueuedMail:
    m = row._mapping
    mail = Mail(m["dedupe_key"], m["recipient"], m["template"], dict(m["params"]))
    return QueuedMail(m["id"], mail, m["attempts"])


class SqlMailRepository(LeasedQueue[QueuedMail]):
    """claim / settle come from the shared leased queue; a claimed mail comes with its
    reader's zone and locale as the readers projection holds them now."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, email_outbox, _queued)

    async def claim(self, limit: int, lease_s: float) -> list[QueuedMail]:
        batch = await super().claim(limit, lease_s)
        ids = [q.mail.reader_id for q in batch]
        readers = await SqlReaderRepository(self._s).many(i for i in ids if i is not None)
        if not readers:
            return batch
        return [
            replace(q, reader=readers.get(i)) if i is not None else q
            for q, i in zip(batch, ids, strict=True)
        ]

    async def add(self, mails: Sequence[Mail]) -> None:
        """Queue mails in one statement; a ``dedupe_key`` already queued (or sent) is not
        queued again."""
        if not mails:
            return
        await self._s.execute(
            _ADD,
            {
                "keys": [m.dedupe_key for m in mails],
                "to": [m.recipient for m in mails],
                "templates": [m.template for m in mails],
                "params": [json.dumps(m.values) for m in mails],
            },
        )
