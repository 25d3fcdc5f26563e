"""SQL repository of e-mail invitations waiting to be sent (leased like calendar entries)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters.orm import email_outbox
from kairos_platform.leased_queue import LeasedQueue


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


class SqlMailRepository(LeasedQueue[Mail]):
    """claim / sent / failed / release come from the shared leased queue."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, email_outbox, _mail)

    async def add(self, **values: Any) -> None:
        """Queue a mail; the unique (booking, sequence, recipient, method) keeps it single."""
        stmt = (
            insert(email_outbox).values(**values).on_conflict_do_nothing(constraint="uq_email_once")
        )
        await self._s.execute(stmt)
