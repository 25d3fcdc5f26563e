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
        self._private = (Path(data_dir) / "jwt_private.pem").read_bytes()
        self._issuer, self._audience = issuer, audience
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=10.0)

    def token(self, *roles: str, user_id: uuid.UUID | None = None, ttl_s: int = 600) -> str:
        return mint_token(
            self._private,
            sub=user_id or uuid.uuid4(),
            roles=list(roles),
            issuer=self._issuer,
            audience=self._audience,
            ttl_s=ttl_s,
        )

    def as_user(self, *roles: str, user_id: uuid.UUID | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(*roles, user_id=user_id)}"}

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
