"""Connection credentials sealed at rest (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

import json
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from kairos_calendar_sync.settings import DEV_SECRET_KEY

log = logging.getLogger(__name__)


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
