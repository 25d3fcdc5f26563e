"""SQL repository of e-mail invitations waiting to be sent (leased like calendar entries)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters.orm import email_outbox

M = email_outbox.c


@dataclass(frozen=True)
class Mail:
    id: int
    recipient: str
    method: str
    subject: str
    body_text: str
    body_html: str
    ics: bytes
    message_key: str
    attempts: int = 0


def _mail(row: Any) -> Mail:
    m = row._mapping
    who = hashlib.sha256(m["recipient"].encode()).hexdigest()[:12]
    key = f"{m['booking_id']}.{m['sequence']}.{m['method'].lower()}.{who}"
    return Mail(
        m["id"],
        m["recipient"],
        m["method"],
        m["subject"],
        m["body_text"],
        m["body_html"],
        bytes(m["ics"]),
        key,
        m["attempts"],
    )


class SqlMailRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, **values: Any) -> None:
        """Queue a mail; the unique (booking, sequence, recipient, method) keeps it single."""
        stmt = (
            insert(email_outbox).values(**values).on_conflict_do_nothing(constraint="uq_email_once")
        )
        await self._s.execute(stmt)

    async def claim(self, limit: int, lease_s: float) -> list[Mail]:
        due = (
            select(M.id)
            .where(M.sent_at.is_(None))
            .where(M.retry_at <= func.now())
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
        return sorted((_mail(r) for r in await self._s.execute(stmt)), key=lambda m: m.id)

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
