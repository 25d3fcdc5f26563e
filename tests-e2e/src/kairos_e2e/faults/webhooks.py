"""A Stripe webhook relay between localstripe and payments that misbehaves on request.

The stack points localstripe's webhook at the gateway; the runner re-points it here. Each
event localstripe sends is answered 200 at once and then, by the next queued fault (or
passed on untouched when none is queued): delivered twice, delivered late (so after later
events: out of order), dropped (reconciliation must find it in Stripe's event list), or an
old one replayed. Every forward is signed afresh with the stack's webhook secret over the
exact raw body, as Stripe would.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from kairos_localstack.ports import free_port
from kairos_localstack.stripe import register_webhook

WEBHOOK_PATH = "/api/payments/webhooks/stripe"
MODES = ("duplicate", "late", "drop", "replay")


def sign(payload: bytes, secret: str) -> str:
    ts = int(time.time())
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


@dataclass
class Delivery:
    event_id: str
    type: str
    mode: str  # forward | duplicate | late | drop | replay


@dataclass
class WebhookRelay:
    gateway_url: str
    secret: str
    stripe_api_base: str
    stripe_api_key: str
    rng: random.Random = field(default_factory=random.Random)
    late_s: tuple[float, float] = (5.0, 20.0)
    log: list[Delivery] = field(default_factory=list)
    forwarded: int = 0
    failed_forwards: int = 0
    _queue: deque[str] = field(default_factory=deque)
    _seen: list[bytes] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def inject(self, mode: str) -> None:
        """The next event localstripe sends gets this fault (``replay`` acts at once)."""
        if mode not in MODES:
            raise ValueError(mode)
        if mode == "replay":
            self._spawn(self._replay())
        else:
            self._queue.append(mode)

    @property
    def dropped(self) -> list[str]:
        return [d.event_id for d in self.log if d.mode == "drop"]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.log:
            out[d.mode] = out.get(d.mode, 0) + 1
        return out

    # -- the ASGI app -----------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        self._on_event(body)

    def _on_event(self, body: bytes) -> None:
        try:
            event = json.loads(body)
            eid, etype = str(event.get("id")), str(event.get("type"))
        except ValueError:
            eid, etype = "?", "?"
        mode = self._queue.popleft() if self._queue else "forward"
        self._seen.append(body)
        if mode != "forward":
            self.log.append(Delivery(eid, etype, mode))
        if mode == "drop":
            return
        if mode == "late":
            self._spawn(self._forward(body, delay=self.rng.uniform(*self.late_s)))
            return
        self._spawn(self._forward(body))
        if mode == "duplicate":
            self._spawn(self._forward(body, delay=self.rng.uniform(0.0, 3.0)))

    async def _replay(self) -> None:
        if self._seen:
            body = self.rng.choice(self._seen)
            event = json.loads(body)
            self.log.append(Delivery(str(event.get("id")), str(event.get("type")), "replay"))
            await self._forward(body)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _forward(self, body: bytes, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)  # the fault itself: a late delivery
        headers = {"Content-Type": "application/json", "Stripe-Signature": sign(body, self.secret)}
        async with httpx.AsyncClient(base_url=self.gateway_url, timeout=15) as http:
            # Like Stripe, retry a refused delivery a few times (the service may be down).
            for attempt in range(5):
                with contextlib.suppress(httpx.HTTPError):
                    resp = await http.post(WEBHOOK_PATH, content=body, headers=headers)
                    if resp.status_code < 500:
                        self.forwarded += 1
                        return
                await asyncio.sleep(1.0 + attempt)  # backoff between Stripe-like retries
        self.failed_forwards += 1

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        self.port = free_port()
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._serve = asyncio.create_task(self._server.serve())
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or self._serve.done():
                raise RuntimeError("webhook relay did not start")
            await asyncio.sleep(0.05)
        await asyncio.to_thread(
            register_webhook,
            self.stripe_api_base,
            f"http://127.0.0.1:{self.port}/",
            self.secret,
            api_key=self.stripe_api_key,
        )

    async def stop(self) -> None:
        """Point localstripe back at the gateway, let queued deliveries finish, stop."""
        with contextlib.suppress(Exception):
            await asyncio.to_thread(
                register_webhook,
                self.stripe_api_base,
                self.gateway_url + WEBHOOK_PATH,
                self.secret,
                api_key=self.stripe_api_key,
            )
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=60)
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._serve, 10)
