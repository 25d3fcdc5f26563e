"""A gateway client that signs its requests the way a frontend would (a JWT per user)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from kairos_platform.tokens_cli import mint_token

T = TypeVar("T")


class Gateway:
    def __init__(
        self,
        base_url: str,
        data_dir: Path,
        *,
        endpoints: dict[str, Any] | None = None,
        issuer: str = "kairos-local",
        audience: str = "kairos",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Where the stack's Stripe is: tests look at it the way an operator would.
        self.stripe_api_base = (endpoints or {}).get("stripe_api_base", "")
        self.stripe_api_key = (endpoints or {}).get("stripe_api_key", "")
        # Where the stack's CalDAV server and mail sink are (an operator can look there).
        self.caldav_url = (endpoints or {}).get("caldav_url", "")
        self.maildir = (endpoints or {}).get("maildir") or str(Path(data_dir) / "maildir")
        self._private = (Path(data_dir) / "jwt_private.pem").read_bytes()
        self._issuer, self._audience = issuer, audience
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=10.0)

    def token(
        self,
        *roles: str,
        user_id: uuid.UUID | None = None,
        ttl_s: int = 600,
        **claims: Any,
    ) -> str:
        """A token for ``user_id`` with ``roles``; extra claims (``email``, ``name``) as given."""
        return mint_token(
            self._private,
            sub=user_id or uuid.uuid4(),
            roles=list(roles),
            issuer=self._issuer,
            audience=self._audience,
            ttl_s=ttl_s,
            extra_claims=claims or None,
        )

    def as_user(
        self, *roles: str, user_id: uuid.UUID | None = None, **claims: Any
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(*roles, user_id=user_id, **claims)}"}

    async def aclose(self) -> None:
        await self.http.aclose()


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, what: str = ""
) -> T:
    """Poll ``probe`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last saw {last!r}")
