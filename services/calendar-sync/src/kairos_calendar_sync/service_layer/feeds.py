"""Private ICS feeds: a random token per feed, only its SHA-256 stored, revocable."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.service_layer.unit_of_work import ServiceUnitOfWork

UowFactory = Callable[[], ServiceUnitOfWork]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(uow_factory: UowFactory, user_id: uuid.UUID) -> str:
    token = secrets.token_urlsafe(32)
    async with uow_factory() as uow:
        await uow.feeds.add(token_hash(token), user_id)
        await uow.commit()
    return token


async def render(uow_factory: UowFactory, token: str) -> bytes | None:
    """The user's live sessions as one VCALENDAR; None for an unknown or revoked token."""
    async with uow_factory() as uow:
        user_id = await uow.feeds.owner(token_hash(token))
        if user_id is None:
            return None
        live = await uow.bookings.live_for_user(user_id)
    return ics.document(live, stamp=datetime.now(UTC))


async def owner(uow_factory: UowFactory, token: str) -> uuid.UUID | None:
    async with uow_factory() as uow:
        return await uow.feeds.owner(token_hash(token))


async def revoke(uow_factory: UowFactory, token: str) -> None:
    async with uow_factory() as uow:
        await uow.feeds.revoke(token_hash(token))
        await uow.commit()
