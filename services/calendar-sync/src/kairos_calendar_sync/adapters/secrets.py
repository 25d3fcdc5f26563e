"""Connection credentials sealed at rest (Fernet: AES-128-CBC + HMAC-SHA256), and the key
that signs mails' unsubscribe links."""

from __future__ import annotations

import json
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from kairos_calendar_sync.settings import DEV_LINK_KEY, DEV_SECRET_KEY

log = logging.getLogger(__name__)


def link_key(key: str) -> bytes:
    """MAIL_LINK_KEY as the signing key of one-click unsubscribe links; loud when it is the
    public development default, with which anyone can unsubscribe anyone."""
    if key == DEV_LINK_KEY:
        log.warning(
            "MAIL_LINK_KEY is not set: unsubscribe links in mails are signed with the PUBLIC "
            "development key, so anyone can unsubscribe anyone. Set MAIL_LINK_KEY in any "
            "real deployment."
        )
    return key.encode()


class SecretBox:
    def __init__(self, key: str) -> None:
        if key == DEV_SECRET_KEY:
            log.warning(
                "CALENDAR_SECRET_KEY is not set: calendar credentials are sealed with the "
                "PUBLIC development key. Set CALENDAR_SECRET_KEY in any real deployment."
            )
        self._fernet = Fernet(key.encode())

    def seal(self, secret: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(secret, sort_keys=True).encode())

    def open(self, sealed: bytes) -> dict[str, Any]:
        try:
            value: dict[str, Any] = json.loads(self._fernet.decrypt(bytes(sealed)))
        except InvalidToken as exc:
            raise ValueError("credentials cannot be decrypted with this key") from exc
        return value
