"""The paid bench's payments: authorized PaymentIntents prepared through the gateway and
localstripe (not timed), then their signed Stripe webhooks posted at a fixed rate.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx

from kairos_e2e.client import Gateway
from kairos_e2e.market import Market, checkout, mentee
from kairos_localstack.services import STRIPE_WEBHOOK_PATH
from kairos_localstack.stripe import register_webhook

NOWHERE = "http://127.0.0.1:9/"  # the discard port: nothing listens


def sign(payload: bytes, secret: str) -> str:
    ts = int(time.time())
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def stripe_client(gw: Gateway) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=gw.stripe_api_base, auth=(gw.stripe_api_key, ""), timeout=30)


async def authorized_intents(gw: Gateway, market: Market, n: int) -> list[str]:
    """n authorized PaymentIntents, each for its own hold; returns their ids."""
    slots = [s for s in await market.slots() if s.free > 0]
    intents: list[str] = []
    sem = asyncio.Semaphore(8)

    async def one(stripe: httpx.AsyncClient, i: int) -> None:
        async with sem:
            _, who = mentee(gw)
            hold = await market.hold(who, slots[i % len(slots)].starts_at)
            assert hold.status_code == 201, hold.text
            paid = await checkout(gw, who, hold.model.hold_id, method="card")
            assert paid.status_code == 201, paid.text
            pi = paid.model.payment_intent_id
            # the "browser": a card attached and the intent confirmed at localstripe
            resp = await stripe.post(
                f"/v1/payment_intents/{pi}", data={"payment_method": "pm_card_visa"}
            )
            resp.raise_for_status()
            resp = await stripe.post(f"/v1/payment_intents/{pi}/confirm")
            resp.raise_for_status()
            assert resp.json()["status"] == "requires_capture", resp.json()["status"]
            intents.append(pi)

    async with stripe_client(gw) as stripe:
        await asyncio.gather(*(one(stripe, i) for i in range(n)))
    return intents


@dataclass
class Prepared:
    """What the load needs: the intents, the hold each is for (booking names the hold in
    BookingConfirmed), the payments' keys on the payments topic, where and how to post."""

    intents: list[str]
    hold_of: dict[str, str]
    payment_keys: set[str]
    webhook_url: str
    secret: str


async def prepare(gw: Gateway, endpoints: dict[str, Any], gateway_url: str, n: int) -> Prepared:
    """localstripe delivers its own events for the intents being prepared, and payments
    would settle them before the measured phase: its webhook points nowhere until the
    intents are ready, then back at the gateway, so that the captures' events reach
    payments during the load as Stripe's would."""
    market = Market(gw, capacity=1000)
    await market.open()
    secret = endpoints["stripe_webhook_secret"]
    webhook_url = gateway_url + STRIPE_WEBHOOK_PATH
    register_webhook(gw.stripe_api_base, NOWHERE, secret)
    intents = await authorized_intents(gw, market, n)
    await asyncio.sleep(3)  # localstripe sends an event's webhook 1 s after it
    register_webhook(gw.stripe_api_base, webhook_url, secret)
    async with stripe_client(gw) as stripe:
        meta = {
            pi: (await stripe.get(f"/v1/payment_intents/{pi}")).json()["metadata"] for pi in intents
        }
    hold_of = {pi: m["hold_id"] for pi, m in meta.items()}
    payment_keys = {m.get("payment_id", "") for m in meta.values()} - {""}
    return Prepared(intents, hold_of, payment_keys, webhook_url, secret)


def webhook_body(pi: str) -> bytes:
    """What Stripe posts when a PaymentIntent is authorized (localstripe sends nothing for
    a confirmation at the browser, services/payments/README.md)."""
    event = {
        "id": f"evt_bench_{uuid.uuid4().hex}",
        "object": "event",
        "created": int(time.time()),
        "type": "payment_intent.amount_capturable_updated",
        "data": {"object": {"id": pi, "object": "payment_intent"}},
    }
    return json.dumps(event).encode()


@dataclass
class Webhooks:
    """The load: one webhook per prepared intent at a fixed rate; per hold, when its webhook
    was sent and answered (any status), and every answer's status and time."""

    prepared: Prepared
    sent_at: dict[str, float] = field(default_factory=dict)
    accepted: dict[str, float] = field(default_factory=dict)
    codes: list[int] = field(default_factory=list)
    answered_ms: list[float] = field(default_factory=list)

    async def post_at(self, rate: float) -> float:
        """Post every webhook on schedule (not waiting for answers); returns the rate
        achieved. aiohttp rather than httpx: httpcore's pool matches every queued request
        against every connection (quadratic), which took the load generator's CPU as soon
        as a few answers were late."""
        poster = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=64), timeout=aiohttp.ClientTimeout(total=30)
        )
        start = time.perf_counter()
        tasks = []
        for i, pi in enumerate(self.prepared.intents):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._post(poster, pi)))
        await asyncio.gather(*tasks)
        await poster.close()
        return len(self.prepared.intents) / (time.perf_counter() - start)

    async def _post(self, poster: aiohttp.ClientSession, pi: str) -> None:
        body = webhook_body(pi)
        hold = self.prepared.hold_of[pi]
        headers = {
            "Stripe-Signature": sign(body, self.prepared.secret),
            "Content-Type": "application/json",
        }
        sent = self.sent_at[hold] = time.time()
        try:
            async with poster.post(self.prepared.webhook_url, data=body, headers=headers) as resp:
                await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:  # not accepted; the run goes on
            self.codes.append(0)
            print(f"webhook for {pi}: {exc!r}", flush=True)
            return
        self.codes.append(status)
        self.accepted[hold] = time.time()
        self.answered_ms.append((self.accepted[hold] - sent) * 1000)
