"""Safe retries: a POST sent with an ``Idempotency-Key`` header is done once per user.

The same key with the same request answers the first answer again (``Idempotent-Replayed:
true``); the same key with another request is a 422; a request still running under that
key is a 409 with ``Retry-After``. Keys are kept per user (the verified token's subject)
for at least 24 hours. Answers of 5xx are not kept: the request may be sent again.

An ASGI middleware inside the request context (runtime.build_http_app), over the
service's own ``idempotency_keys`` table: the claim is one INSERT that only one request
wins, concurrent ones included. A claim whose request died without an answer (a killed
process) is taken over after ``STALE_S``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, DateTime, LargeBinary, MetaData, SmallInteger, Table, Text, func
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine

from kairos_platform.auth import InvalidToken, TokenVerifier
from kairos_platform.metrics import ASGIApp, Message, Receive, Scope, Send
from kairos_platform.problems import Problem

log = logging.getLogger("kairos.idempotency")

HEADER = "idempotency-key"
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
#: answer headers kept with the body (the rest are made again by the middlewares)
_KEPT_HEADERS = (b"content-type", b"location", b"retry-after")
KEEP_H = 24
STALE_S = 60


def idempotency_table(metadata: MetaData) -> Table:
    """Every service database's ``idempotency_keys`` (its migration creates it)."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("owner", Text, primary_key=True),
        Column("key", Text, primary_key=True),
        Column("fingerprint", Text, nullable=False),
        Column("status", SmallInteger, nullable=True),  # null: the request is running
        Column("headers", JSONB, nullable=True),
        Column("body", LargeBinary, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


_CLAIM = sql(
    f"""
    INSERT INTO idempotency_keys (owner, key, fingerprint) VALUES (:owner, :key, :fp)
    ON CONFLICT (owner, key) DO UPDATE
       SET fingerprint = excluded.fingerprint, status = NULL, headers = NULL, body = NULL,
           created_at = now()
     WHERE (idempotency_keys.status IS NULL
            AND idempotency_keys.created_at < now() - interval '{STALE_S} seconds')
        OR idempotency_keys.created_at < now() - interval '{KEEP_H} hours'
    RETURNING 1
    """
)
_FOUND = sql(
    "SELECT fingerprint, status, headers, body FROM idempotency_keys "
    "WHERE owner = :owner AND key = :key"
)
_DONE = sql(
    "UPDATE idempotency_keys SET status = :status, headers = CAST(:headers AS jsonb), "
    "body = :body WHERE owner = :owner AND key = :key"
)
_DROP = sql("DELETE FROM idempotency_keys WHERE owner = :owner AND key = :key")
_PURGE = sql(f"DELETE FROM idempotency_keys WHERE created_at < now() - interval '{KEEP_H} hours'")


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        engine: AsyncEngine,
        verifier_of: Callable[[], TokenVerifier | None],
    ) -> None:
        self.app, self.engine, self.verifier_of = app, engine, verifier_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER) if scope["type"] == "http" else None
        if key is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        if not _VALID_KEY.match(key):
            problem = Problem(
                422, None, "Idempotency-Key must be 1-255 visible ASCII characters.",
                slug="bad-idempotency-key",
            )  # fmt: skip
            await problem.to_response()(scope, receive, send)
            return
        owner = await self._owner(scope)
        if owner is None:  # no valid token: the route answers 401 itself
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        fp = hashlib.sha256(
            f"{scope['path']}?{scope.get('query_string', b'').decode()}\n".encode() + body
        ).hexdigest()
        ids = {"owner": owner, "key": key}
        async with self.engine.begin() as conn:
            claimed = (await conn.execute(_CLAIM, {**ids, "fp": fp})).first() is not None
            found = None if claimed else (await conn.execute(_FOUND, ids)).first()
        if found is not None:
            await _answer_again(found, fp, scope, receive, send)
            return
        await self._run(scope, _replaying(body), send, ids)

    async def _owner(self, scope: Scope) -> str | None:
        auth = _header(scope, "authorization") or ""
        verifier = self.verifier_of()
        if not auth.lower().startswith("bearer ") or verifier is None:
            return None
        try:
            return str((await verifier.verify(auth[7:].strip())).user_id)
        except InvalidToken:
            return None

    async def _run(self, scope: Scope, receive: Receive, send: Send, ids: dict[str, str]) -> None:
        # The answer is held back until it is kept: a client that retries the moment it
        # has the answer must be answered it again, not told the request is still running.
        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        try:
            await self.app(scope, receive, keep)
        except BaseException:
            await self._settle(ids, {}, b"")  # no answer: dropped, may be sent again
            raise
        start = next((m for m in messages if m["type"] == "http.response.start"), {})
        body = b"".join(
            bytes(m.get("body", b"")) for m in messages if m["type"] == "http.response.body"
        )
        try:
            await self._settle(ids, dict(start), body)
        except Exception:  # the work is done: answer it; a retry waits STALE_S, then runs
            log.exception("could not keep the answer under an Idempotency-Key")
        for message in messages:
            await send(message)

    async def _settle(self, ids: dict[str, str], start: dict[str, Any], body: bytes) -> None:
        status = int(start.get("status", 500))
        async with self.engine.begin() as conn:
            if status >= 500:
                await conn.execute(_DROP, ids)  # not an answer to keep: may be sent again
                return
            kept = {
                k.decode("latin-1"): v.decode("latin-1")
                for k, v in start.get("headers", [])
                if k.lower() in _KEPT_HEADERS
            }
            values = {**ids, "status": status, "headers": json.dumps(kept), "body": body}
            await conn.execute(_DONE, values)
            if random.random() < 0.01:  # now and then, forget keys past their 24 hours
                await conn.execute(_PURGE)


async def _answer_again(found: Any, fp: str, scope: Scope, receive: Receive, send: Send) -> None:
    fingerprint, status, headers, body = found
    if fingerprint != fp:
        problem = Problem(
            422, None,
            "This Idempotency-Key was used for another request; use a new key.",
            slug="idempotency-key-reused",
        )  # fmt: skip
    elif status is None:
        problem = Problem(
            409, None, "A request with this Idempotency-Key is still running.",
            slug="idempotency-key-in-progress", headers={"Retry-After": "1"},
        )  # fmt: skip
    else:
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
        raw.append((b"idempotent-replayed", b"true"))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": bytes(body or b"")})
        return
    await problem.to_response()(scope, receive, send)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(bytes(message.get("body", b"")))
        if not message.get("more_body"):
            break
    return b"".join(parts)


def _replaying(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
