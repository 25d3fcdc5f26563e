"""A gateway client that signs its requests the way a frontend would (a JWT per user), and the
typed client generated from the merged OpenAPI (``kairos_client``) acting as each user.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx
from kairos_client import AuthenticatedClient, Client
from kairos_client.models import ProblemDetails
from kairos_client.types import Response

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
        # One connection pool for the raw client and every typed one (closed with ``http``).
        self._transport = httpx.AsyncHTTPTransport()
        self.http = httpx.AsyncClient(
            base_url=self.base_url, timeout=10.0, transport=self._transport
        )
        self._typed: dict[str, AuthenticatedClient] = {}
        # The typed client without a token: what anyone may read (offerings, slots).
        self.public = Client(base_url=self.base_url, **self._typed_args())

    def _typed_args(self) -> dict[str, Any]:
        # An answer the document does not list fails the call (errors.UnexpectedStatus).
        return {
            "timeout": httpx.Timeout(10.0),
            "raise_on_unexpected_status": True,
            "httpx_args": {"transport": self._transport},
        }

    def api(self, who: Mapping[str, str]) -> AuthenticatedClient:
        """The typed client acting as ``who`` (the headers ``as_user`` made): its token."""
        token = who["Authorization"].removeprefix("Bearer ")
        if token not in self._typed:
            self._typed[token] = AuthenticatedClient(
                base_url=self.base_url, token=token, **self._typed_args()
            )
        return self._typed[token]

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
        await self.http.aclose()  # and the transport the typed clients share


@dataclass(frozen=True)
class Answer(Generic[T]):
    """What a typed call answered: its status, headers and text, and the documented model
    it parsed to (``T`` for a success, ``ProblemDetails`` for a refusal)."""

    status_code: int
    headers: Mapping[str, str]
    text: str
    parsed: T | ProblemDetails | None

    @property
    def model(self) -> T:
        """The success's model; an assertion error with the answer's text otherwise."""
        parsed = self.parsed
        assert 200 <= self.status_code < 300, f"{self.status_code}: {self.text}"
        assert parsed is not None and not isinstance(parsed, ProblemDetails), self.text
        return parsed

    @property
    def problem(self) -> ProblemDetails:
        """The refusal's problem+json (its extension members by ``problem["name"]``)."""
        assert isinstance(self.parsed, ProblemDetails), f"{self.status_code}: {self.text}"
        return self.parsed

    def json(self) -> Any:
        """The body as JSON, untyped."""
        return json.loads(self.text)


async def answer(call: Awaitable[Response[T | ProblemDetails]]) -> Answer[T]:
    """Await a generated ``asyncio_detailed`` call: its answer, typed."""
    resp = await call
    return Answer(
        status_code=int(resp.status_code),
        headers=resp.headers,
        text=resp.content.decode(),
        parsed=resp.parsed,
    )


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, what: str = ""
) -> T:
    """Poll ``probe`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last saw {last!r}")
