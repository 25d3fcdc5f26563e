"""SQL repository of mails waiting for SMTP (claimed with SKIP LOCKED and a lease)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_attendance.adapters.orm import email_outbox
from kairos_attendance.service_layer.templates import Mail

M = email_outbox.c
_ADD = text(
    """
    INSERT INTO email_outbox (dedupe_key, recipient, template, params)
    SELECT k, r, t, CAST(p AS jsonb)
    FROM unnest(CAST(:keys AS text[]), CAST(:to AS text[]), CAST(:templates AS text[]),
                CAST(:params AS text[])) AS u(k, r, t, p)
    ON CONFLICT (dedupe_key) DO NOTHING
    """
)


@dataclass(frozen=True)
class QueuedMail:
    id: int
    mail: Mail
    attempts: int


def _queued(row: Any) -> QueuedMail:
    m = row._mapping
    mail = Mail(m["dedupe_key"], m["recipient"], m["template"], dict(m["params"]))
    return QueuedMail(m["id"], mail, m["attempts"])


class SqlMailRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

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

    async def claim(self, limit: int, lease_s: float) -> list[QueuedMail]:
        due = (
            select(M.id)
            .where(M.sent_at.is_(None), M.retry_at <= func.now())
            .where(or_(M.lease_until.is_(None), M.lease_until < func.now()))
            .order_by(M.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        stmt = (
            update(email_outbox)
            .where(M.id.in_(due))
            .values(lease_until=func.now() + timedelta(seconds=lease_s))
            .returning(*email_outbox.c)
        )
        return sorted((_queued(r) for r in await self._s.execute(stmt)), key=lambda q: q.id)

    async def sent(self, mail_id: int) -> None:
        await self._s.execute(
            update(email_outbox).where(M.id == mail_id).values(sent_at=func.now(), lease_until=None)
        )

    async def failed(self, mail_id: int, error: str, backoff_s: float) -> None:
        await self._s.execute(
            update(email_outbox)
            .where(M.id == mail_id)
            .values(
                attempts=M.attempts + 1,
                last_error=error[:1000],
                retry_at=func.now() + timedelta(seconds=backoff_s),
                lease_until=None,
            )
        )

    async def release(self, mail_id: int) -> None:
        await self._s.execute(update(email_outbox).where(M.id == mail_id).values(lease_until=None))
