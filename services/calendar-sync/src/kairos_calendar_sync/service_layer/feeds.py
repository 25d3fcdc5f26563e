"""Private ICS feeds: a random token per feed, only its SHA-256 stored, revocable."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.service_layer.ports import CalendarUow
from kairos_platform.auth import Principal, is_admin
from kairos_platform.refusals import Forbidden, NotFound


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _no_feed() -> NotFound:
    return NotFound("There is no such feed.")


async def create(uow: CalendarUow, user_id: uuid.UUID) -> str:
    token = secrets.token_urlsafe(32)
    await uow.feeds.add(token_hash(token), user_id)
    await uow.commit()
    return token


async def render(uow: CalendarUow, token: str) -> bytes:
    """The feed's owner's live sessions as one VCALENDAR (404 for an unknown or revoked
    token)."""
    user_id = await uow.feeds.owner(token_hash(token))
    if user_id is None:
        raise _no_feed()
    live = await uow.bookings.live_for_user(user_id)
    return ics.document(live, stamp=uow.now())


async def revoke(uow: CalendarUow, caller: Principal, token: str) -> None:
    """Revoke the caller's feed (or anyone's, for an admin)."""
    owner = await uow.feeds.owner(token_hash(token))
    if owner is None:
        raise _no_feed()
    if owner != caller.user_id and not is_admin(caller):
        raise Forbidden("This belongs to someone else.", slug="not-owner")
    await uow.feeds.revoke(token_hash(token))
    await uow.commit()
