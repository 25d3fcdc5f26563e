"""SQL repository of the mails waiting to be sent (leased like calendar entries)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_calendar_sync.adapters.orm import email_outbox
from kairos_calendar_sync.domain.mails.model import MailKind
from kairos_platform.leased_queue import LeasedQueue


@dataclass(frozen=True)
class NewMail:
    """A mail to queue, rendered; ``mail_key`` keeps it single and is its Message-ID."""

    mail_key: str
    kind: MailKind
    recipient: str
    subject: str
    body_text: str
    body_html: str
    user_id: uuid.UUID | None = None
    booking_id: uuid.UUID | None = None
    sequence: int | None = None
    #: the attached .ics and its iTIP method (REQUEST | CANCEL); None: nothing attached
    ics: bytes | None = None
    method: str | None = None
    unsubscribe_url: str | None = None


@dataclass(frozen=True)
class Mail:
    """A claimed row, as the SMTP mailer needs it."""

    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str
    message_key: str
    ics: bytes | None = None
    method: str | None = None
    unsubscribe_url: str | None = None
    attempts: int = 0


_NEW_MAIL_FIELDS = tuple(f.name for f in fields(NewMail))
_SQL_TYPES = {"user_id": "uuid", "booking_id": "uuid", "sequence": "int", "ics": "bytea"}
# the batch as one array per column: one cached statement and one row insert each in
# PostgreSQL (a VALUES list was compiled anew each batch; many parameter sets were one
# statement execution a row)
_QUEUE = text(
    f"INSERT INTO email_outbox ({', '.join(_NEW_MAIL_FIELDS)}) SELECT * FROM unnest("
    + ", ".join(f"CAST(:{f} AS {_SQL_TYPES.get(f, 'text')}[])" for f in _NEW_MAIL_FIELDS)
    + ") ON CONFLICT (mail_key) DO NOTHING"
)


def _mail(row: Any) -> Mail:
    m = row._mapping
    return Mail(
        id=m["id"],
        recipient=m["recipient"],
        subject=m["subject"],
        body_text=m["body_text"],
        body_html=m["body_html"],
        message_key=m["mail_key"],
        ics=None if m["ics"] is None else bytes(m["ics"]),
        method=m["method"],
        unsubscribe_url=m["unsubscribe_url"],
        attempts=m["attempts"],
    )


class SqlMailRepository(LeasedQueue[Mail]):
    """claim / sent / failed / release come from the shared leased queue."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, email_outbox, _mail)

    async def add(self, mail: NewMail) -> None:
        await self.add_many([mail])

    async def add_many(self, mails: Iterable[NewMail]) -> None:
        """Queue mails; one with a key already queued (a replayed event) is left out."""
        batch = list(mails)
        if not batch:
            return
        columns = {f: [getattr(m, f) for m in batch] for f in _NEW_MAIL_FIELDS}
        columns["kind"] = [m.kind.value for m in batch]
        await self._s.execute(_QUEUE, columns)

    async def drop_unsent(self, booking_id: uuid.UUID, kinds: Iterable[MailKind]) -> int:
        """Take back ``booking_id``'s mails of ``kinds`` not sent yet (a reminder of a time
        that changed); how many."""
        c = email_outbox.c
        stmt = (
            delete(email_outbox)
            .where(c.booking_id == booking_id, c.sent_at.is_(None))
            .where(c.kind.in_([k.value for k in kinds]))
        )
        result = await self._s.execute(stmt.returning(c.id))
        return len(result.all())
