"""One-click unsubscribe tokens (RFC 8058): the link names a person and a topic, signed
so that nobody can unsubscribe someone else by guessing. No expiry: a link in an old mail
must still work, and it can only ever turn mail off."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from kairos_calendar_sync.domain.mails.model import Topic

_MAC_BYTES = 16


def _mac(key: bytes, user_id: uuid.UUID, topic: Topic) -> bytes:
    message = user_id.bytes + topic.value.encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]


def sign(key: bytes, user_id: uuid.UUID, topic: Topic) -> str:
    raw = user_id.bytes + _mac(key, user_id, topic) + topic.value.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def verify(key: bytes, token: str) -> tuple[uuid.UUID, Topic] | None:
    """Whose and which topic ``token`` unsubscribes; None if it is not one we signed."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        user_id = uuid.UUID(bytes=raw[:16])
        topic = Topic(raw[16 + _MAC_BYTES :].decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(raw[16 : 16 + _MAC_BYTES], _mac(key, user_id, topic)):
        return None
    return user_id, topic
