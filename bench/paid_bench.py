"""Paid bookings at a steady rate, on the whole local stack: a signed Stripe webhook is
accepted by payments (through the gateway) -> PaymentVerified -> booking's consumer ->
BookingConfirmed published. Latency = webhook answered -> BookingConfirmed on the topic.

    uv run python bench/paid_bench.py [--rate 50] [--seconds 20]

Preparation (not timed): a provider with a capacity-1000 offering; for each booking a hold
and a card checkout without a payment method (the PaymentIntent waits for the browser);
the "browser" then attaches pm_card_visa and confirms it directly at localstripe, so the
intent is authorized (requires_capture). localstripe sends no event for that (see
services/payments/README.md), which is exactly what a webhook reports in production: the
benchmark signs `payment_intent.amount_capturable_updated` with the stack's secret and
posts it at the fixed rate. Stack from kairos_localstack in a temp folder, stopped after.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from benchlib import machine_header, percentile, report_path, table  # type: ignore[import-not-found]

from kairos_contracts.topics import BOOKING_BOOKINGS
from kairos_localstack.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests-e2e" / "src"))
from kairos_e2e.client import Gateway  # noqa: E402
from kairos_e2e.market import Market, checkout, mentee  # noqa: E402


def sign(payload: bytes, secret: str) -> str:
    ts = int(time.time())
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


async def prepare(gw: Gateway, market: Market, n: int) -> list[str]:
    """n authorized PaymentIntents, each for its own hold; returns their ids."""
    stripe = httpx.AsyncClient(
        base_url=gw.stripe_api_base, auth=(gw.stripe_api_key, ""), timeout=30
    )
    slots = [s for s in await market.slots() if s["free"] > 0]
    intents: list[str] = []
    sem = asyncio.Semaphore(8)

    async def one(i: int) -> None:
        async with sem:
            _, who = mentee(gw)
            hold = await market.hold(who, slots[i % len(slots)]["starts_at"])
            assert hold.status_code == 201, hold.text
            paid = await checkout(gw, who, hold.json()["hold_id"], method="card")
            assert paid.status_code == 201, paid.text
            pi = paid.json()["payment_intent_id"]
            resp = await stripe.post(
                f"/v1/payment_intents/{pi}", data={"payment_method": "pm_card_visa"}
            )
            resp.raise_for_status()
            resp = await stripe.post(f"/v1/payment_intents/{pi}/confirm")
            resp.raise_for_status()
            assert resp.json()["status"] == "requires_capture", resp.json()["status"]
            intents.append(pi)

    await asyncio.gather(*(one(i) for i in range(n)))
    await stripe.aclose()
    return intents


class Confirmations:
    """Follows kairos.booking.bookings from its end; hold id -> arrival time."""

    def __init__(self, bootstrap: str) -> None:
        self.seen: dict[str, float] = {}
        self._c = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=10
        )

    async def start(self) -> None:
        await self._c.start()
        parts = [
            TopicPartition(BOOKING_BOOKINGS, p)
            for p in self._c.partitions_for_topic(BOOKING_BOOKINGS) or {0}
        ]
        self._c.assign(parts)
        await self._c.seek_to_end(*parts)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batch = await self._c.getmany(timeout_ms=50)
            now = time.time()
            for records in batch.values():
                for r in records:
                    env = json.loads(r.value)
                    if env["type"] == "BookingConfirmed":
                        self.seen.setdefault(str(env["data"].get("hold_id")), now)

    async def stop(self) -> None:
        self._task.cancel()
        await self._c.stop()


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kairos-paid-bench-"))
    stack = Stack(tmp)
    state = stack.up()
    try:
        gw = Gateway(state.gateway_url or "", Path(state.data_dir), endpoints=state.endpoints)
        market = Market(gw, capacity=1000)
        await market.open()
        n = int(args.rate * args.seconds)
        print(f"preparing {n} authorized payments ...", flush=True)
        intents = await prepare(gw, market, n)
        # hold id of each intent, as booking will name it in BookingConfirmed
        async with httpx.AsyncClient(
            base_url=gw.stripe_api_base, auth=(gw.stripe_api_key, ""), timeout=30
        ) as stripe:
            hold_of = {
                pi: (await stripe.get(f"/v1/payment_intents/{pi}")).json()["metadata"]["hold_id"]
                for pi in intents
            }
        conf = Confirmations(state.endpoints["kafka_bootstrap"])
        await conf.start()
        secret = state.endpoints["stripe_webhook_secret"]
        accepted: dict[str, float] = {}
        codes: list[int] = []

        async def fire(pi: str) -> None:
            body = json.dumps(
                {
                    "id": f"evt_bench_{uuid.uuid4().hex}",
                    "object": "event",
                    "created": int(time.time()),
                    "type": "payment_intent.amount_capturable_updated",
                    "data": {"object": {"id": pi, "object": "payment_intent"}},
                }
            ).encode()
            resp = await gw.http.post(
                "/api/payments/webhooks/stripe",
                content=body,
                headers={
                    "Stripe-Signature": sign(body, secret),
                    "Content-Type": "application/json",
                },
            )
            codes.append(resp.status_code)
            accepted[hold_of[pi]] = time.time()

        start = time.perf_counter()
        tasks = []
        for i, pi in enumerate(intents):
            delay = start + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(fire(pi)))
        await asyncio.gather(*tasks)
        achieved = n / (time.perf_counter() - start)
        deadline = time.time() + 60
        while any(h not in conf.seen for h in accepted) and time.time() < deadline:
            await asyncio.sleep(0.05)
        await conf.stop()
        lat = [(conf.seen[h] - t) * 1000 for h, t in accepted.items() if h in conf.seen]
        ok = sum(1 for c in codes if c == 200)
        p50, p95, p99 = (percentile(lat, p) for p in (50, 95, 99)) if lat else (0, 0, 0)
        print(
            f"{achieved:.1f} webhooks/s, {ok}/{n} accepted, {len(lat)} confirmed; "
            f"webhook -> BookingConfirmed p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"
        )
        path = report_path(ROOT / "reports", "paid")
        rows = [
            ("rate achieved", f"{achieved:.1f}/s"),
            ("accepted / sent", f"{ok} / {n}"),
            ("confirmed", len(lat)),
            ("p50", f"{p50:.0f} ms"),
            ("p95", f"{p95:.0f} ms"),
            ("p99", f"{p99:.0f} ms"),
            ("mean", f"{statistics.mean(lat) if lat else 0:.0f} ms"),
        ]
        path.write_text(
            machine_header(f"rate {args.rate}/s for {args.seconds}s, whole local stack")
            + "\n## webhook accepted -> BookingConfirmed published\n\n"
            + table(("figure", "value"), rows)
            + "\n"
        )
        print(f"report: {path}")
    finally:
        stack.down()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    asyncio.run(run(ap.parse_args()))
