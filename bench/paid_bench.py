"""Paid bookings at a steady rate, on the whole local stack: a signed Stripe webhook is
accepted by payments (through the gateway) -> PaymentVerified -> booking's consumer ->
BookingConfirmed published. Latency = webhook answered -> BookingConfirmed on the topic.

    uv run python bench/paid_bench.py [--rate 50] [--seconds 20] [--replicas 2]

The report (reports/paid-x<replicas>-<time>.md) has the latency percentiles, the per-key
order check on the payments topic, the work each consumer replica did, every process's peak
resident memory, and PNG charts over time: latency per second, throughput, outbox backlog
and consumer lag (from the processes' own /metrics), resident memory.

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
import contextlib
import hashlib
import hmac
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from benchlib import (  # type: ignore[import-not-found]
    cpu_seconds,
    machine_header,
    percentile,
    plain,
    report_path,
    table,
)
from profiling import Profiler  # type: ignore[import-not-found]
from sampling import (  # type: ignore[import-not-found]
    Sampler,
    Watched,
    backlog_chart,
    latency_chart,
    rss_chart,
    throughput_chart,
)

from kairos_contracts.topics import BOOKING_BOOKINGS, PAYMENTS_PAYMENTS
from kairos_localstack.services import STRIPE_WEBHOOK_PATH
from kairos_localstack.stack import Stack
from kairos_localstack.stripe import register_webhook
from kairos_platform.messaging.kafka import topic_partitions

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
    slots = [s for s in await market.slots() if s.free > 0]
    intents: list[str] = []
    sem = asyncio.Semaphore(8)

    async def one(i: int) -> None:
        async with sem:
            _, who = mentee(gw)
            hold = await market.hold(who, slots[i % len(slots)].starts_at)
            assert hold.status_code == 201, hold.text
            paid = await checkout(gw, who, hold.model.hold_id, method="card")
            assert paid.status_code == 201, paid.text
            pi = paid.model.payment_intent_id
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
        parts = await topic_partitions(self._c, [BOOKING_BOOKINGS])
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


def watched_processes(stack: Stack) -> list[Watched]:
    """Every service process (replicas included) with the URL of its own /metrics."""
    names = [svc.name for svc in stack.services]
    out = []
    for rec in stack.state.processes:
        if rec.port and any(rec.name.startswith(n + "-") for n in names) and rec.alive:
            out.append(Watched(rec.name, rec.pid, f"http://127.0.0.1:{rec.port}/metrics"))
    return out


def scale(stack: Stack, replicas: int) -> list[str]:
    """``replicas`` consumer and relay processes of every service (one exists already)."""
    added = []
    for svc in stack.services:
        for role in ("consumer", "relay"):
            if role in svc.roles:
                added += [stack.add_replica(svc.name, role).name for _ in range(replicas - 1)]
    for name in added:
        stack.wait_process_ready(name, timeout=120)
    return added


@contextlib.asynccontextmanager
async def payments_from_the_start(
    bootstrap: str,
) -> AsyncIterator[tuple[AIOKafkaConsumer, list[TopicPartition]]]:
    """A group-less consumer on every partition of kairos.payments.payments, at offset 0."""
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await c.start()
    try:
        parts = await topic_partitions(c, [PAYMENTS_PAYMENTS])
        c.assign(parts)
        await c.seek_to_beginning(*parts)
        yield c, parts
    finally:
        await c.stop()


async def per_key_order(bootstrap: str, keys: set[str]) -> tuple[int, list[str]]:
    """Read kairos.payments.payments from the start: for every payment of this run, its
    PaymentVerified must come before its PaymentCaptured (one key = one partition, and the
    relays must keep each key's order even when two of them share the outbox)."""
    seen: dict[str, list[str]] = {}
    async with payments_from_the_start(bootstrap) as (c, parts):
        ends = await c.end_offsets(parts)

        async def behind() -> bool:
            return any([await c.position(tp) < ends[tp] for tp in parts])

        while await behind():
            for records in (await c.getmany(timeout_ms=500)).values():
                for r in records:
                    key = (r.key or b"").decode()
                    if key in keys:
                        seen.setdefault(key, []).append(json.loads(r.value)["type"])
    bad = []
    for key, types in seen.items():
        if "PaymentCaptured" in types and types.index("PaymentCaptured") < types.index(
            "PaymentVerified"
        ):
            bad.append(f"{key}: {types}")
    return len(seen), bad


async def captures_seen(bootstrap: str, want: int, timeout: float) -> int:
    """Wait (bounded) until payments has published ``want`` PaymentCaptured of this run."""
    deadline = time.time() + timeout
    count = 0
    async with payments_from_the_start(bootstrap) as (c, _):
        while count < want and time.time() < deadline:
            for records in (await c.getmany(timeout_ms=200)).values():
                count += sum(1 for r in records if b'"PaymentCaptured"' in r.value)
    return count


_VERIFIED = """
    SELECT payload->'data'->>'hold_id' AS hold, event_id, created_at, sent_at FROM outbox
    WHERE event_type = 'PaymentVerified' AND payload->'data'->>'hold_id' = ANY($1::text[])
"""
_RECEIVED = "SELECT event_id, received_at FROM inbox WHERE event_id = ANY($1::uuid[])"
_CONFIRMED = """
    SELECT payload->'data'->>'hold_id' AS hold, sent_at FROM outbox
    WHERE event_type = 'BookingConfirmed' AND payload->'data'->>'hold_id' = ANY($1::text[])
"""


async def stages(
    urls: dict[str, str], sent: dict[str, float], seen: dict[str, float]
) -> tuple[list[tuple[str, float, float]], dict[str, float]]:
    """Where a payment's time goes, from the databases' own clocks (same machine): webhook
    sent -> PaymentVerified in payments' outbox (the transaction's start) -> published by
    its relay -> in booking's inbox (broker and consumer) -> BookingConfirmed published
    (booking's transaction and relay) -> seen by this benchmark's consumer. p50 and p99;
    and, per hold, when the relay pass that published its BookingConfirmed began."""
    holds = [h for h in sent if h in seen]
    pay, book = (
        await asyncpg.connect(plain(urls["payments"])),
        await asyncpg.connect(plain(urls["booking"])),
    )
    try:
        pv = {r["hold"]: r for r in await pay.fetch(_VERIFIED, holds)}
        got = {
            r["event_id"]: r["received_at"].timestamp()
            for r in await book.fetch(_RECEIVED, [r["event_id"] for r in pv.values()])
        }
        bc = {r["hold"]: r["sent_at"].timestamp() for r in await book.fetch(_CONFIRMED, holds)}
    finally:
        await pay.close()
        await book.close()
    steps: dict[str, list[float]] = {}
    for h in holds:
        v = pv.get(h)
        if v is None or v["sent_at"] is None or v["event_id"] not in got or h not in bc:
            continue
        points = [
            sent[h],
            v["created_at"].timestamp(),
            v["sent_at"].timestamp(),
            got[v["event_id"]],
            bc[h],
            seen[h],
        ]
        names = [
            "webhook sent -> PaymentVerified written",
            "-> published (payments relay)",
            "-> in booking's inbox (broker, consumer)",
            "-> BookingConfirmed published (booking, relay)",
            "-> seen by the bench (broker)",
        ]
        for name, a, b in zip(names, points, points[1:], strict=False):
            steps.setdefault(name, []).append((b - a) * 1000)
    return [(k, percentile(v, 50), percentile(v, 99)) for k, v in steps.items()], bc


def _profiles_section(
    profiler: Profiler | None, profiles: dict[str, tuple[int, list[tuple[str, float, float]]]]
) -> str:
    """Per process: its flame graph and the frames it spends its time in (--profile)."""
    if profiler is None:
        return ""
    out = "\n## Profiles (py-spy, non-blocking; CPU figures of this run are not the result)\n"
    for name, (samples, hot) in sorted(profiles.items()):
        svg = profiler.paths(name)[0]
        out += f"\n### {name}: {samples} samples, [flame graph]({svg.name})\n\n"
        out += table(
            ("frame", "self %", "total %"),
            [(f"`{f}`", f"{a:.1f}", f"{b:.1f}") for f, a, b in hot],
        )
    return out


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kairos-paid-bench-"))
    # Reconciliation off: the prepared PaymentIntents are minutes old when their webhooks
    # come, and its re-check of open payments would settle them before the measured phase.
    stack = Stack(tmp, env={**os.environ, "RECONCILE_INTERVAL_S": "86400"})
    state = stack.up()
    try:
        added = scale(stack, args.replicas)
        gw = Gateway(state.gateway_url or "", Path(state.data_dir), endpoints=state.endpoints)
        market = Market(gw, capacity=1000)
        await market.open()
        n = int(args.rate * args.seconds)
        print(
            f"preparing {n} authorized payments ({args.replicas} of each consumer/relay) ...",
            flush=True,
        )
        # localstripe delivers its own events for the intents being prepared, and payments
        # would settle them before the measured phase: its webhook points nowhere until
        # the intents are ready, then back at the gateway, so that the captures' events
        # reach payments during the load as Stripe's would.
        secret = state.endpoints["stripe_webhook_secret"]
        webhook_url = (state.gateway_url or "") + STRIPE_WEBHOOK_PATH
        register_webhook(gw.stripe_api_base, "http://127.0.0.1:9/", secret)
        intents = await prepare(gw, market, n)
        await asyncio.sleep(3)  # localstripe sends an event's webhook 1 s after it
        register_webhook(gw.stripe_api_base, webhook_url, secret)
        # hold id of each intent, as booking will name it in BookingConfirmed
        async with httpx.AsyncClient(
            base_url=gw.stripe_api_base, auth=(gw.stripe_api_key, ""), timeout=30
        ) as stripe:
            meta = {
                pi: (await stripe.get(f"/v1/payment_intents/{pi}")).json()["metadata"]
                for pi in intents
            }
        hold_of = {pi: m["hold_id"] for pi, m in meta.items()}
        payment_keys = {m.get("payment_id", "") for m in meta.values()} - {""}
        bootstrap = state.endpoints["kafka_bootstrap"]
        conf = Confirmations(bootstrap)
        await conf.start()
        accepted: dict[str, float] = {}
        sent_at: dict[str, float] = {}
        codes: list[int] = []
        answered: list[float] = []  # webhook response times, ms
        sampler = Sampler(watched_processes(stack))
        stop_sampling = asyncio.Event()
        sampling = asyncio.create_task(sampler.run(stop_sampling))
        sampling_started = time.time()

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
            sent = sent_at[hold_of[pi]] = time.time()
            try:
                async with poster.post(
                    webhook_url,
                    data=body,
                    headers={
                        "Stripe-Signature": sign(body, secret),
                        "Content-Type": "application/json",
                    },
                ) as resp:
                    await resp.read()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError) as exc:  # not accepted; the run goes on
                codes.append(0)
                print(f"webhook for {pi}: {exc!r}", flush=True)
                return
            codes.append(status)
            accepted[hold_of[pi]] = time.time()
            answered.append((accepted[hold_of[pi]] - sent) * 1000)

        # aiohttp rather than httpx for the load: httpcore's pool matches every queued
        # request against every connection (quadratic), and at 50/s that took most of a
        # core from this process as soon as a few answers were late
        poster = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=64),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        print(f"firing {n} webhooks at {args.rate}/s ...", flush=True)
        roots = {rec.name: rec.pid for rec in stack.state.processes if rec.alive}
        cpu_before = cpu_seconds(roots)
        path = report_path(ROOT / "reports", f"paid-x{args.replicas}")
        profiler = None
        if args.profile:
            services = {w.name: w.pid for w in watched_processes(stack)}
            profiler = Profiler(services, path)
            profiler.start(args.seconds + 2)
        load_started = time.time()
        start = time.perf_counter()
        tasks = []
        for i, pi in enumerate(intents):
            delay = start + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(fire(pi)))
        await asyncio.gather(*tasks)
        await poster.close()
        achieved = n / (time.perf_counter() - start)
        deadline = time.time() + 60
        while any(h not in conf.seen for h in accepted) and time.time() < deadline:
            await asyncio.sleep(0.05)
        await conf.stop()
        captured = await captures_seen(bootstrap, len(conf.seen), timeout=60)
        cpu_after = cpu_seconds(roots)
        cpu_ms = {  # per payment, from the first webhook to the last capture seen
            name: (cpu_after.get(name, 0.0) - before) * 1000 / n
            for name, before in cpu_before.items()
        }
        cpu_ms = dict(sorted(cpu_ms.items(), key=lambda kv: -kv[1]))
        print(
            f"CPU per payment {sum(cpu_ms.values()):.1f} ms: "
            + ", ".join(f"{k} {v:.1f}" for k, v in cpu_ms.items() if v >= 0.5),
            flush=True,
        )
        stop_sampling.set()
        await sampling
        profiles = profiler.finish() if profiler is not None else {}
        ordered_keys, order_bad = await per_key_order(bootstrap, payment_keys)
        urls = {name: info["database_url"] for name, info in stack.state.services.items()}
        steps, published = await stages(urls, sent_at, conf.seen)
        for name, s50, s99 in steps:
            print(f"  {name}: p50 {s50:.1f} ms, p99 {s99:.1f} ms")
        # "published" from the databases: the relay pass that sent BookingConfirmed began
        # then (its broker ack came within the pass); the headline figure below is later,
        # when this bench's own consumer saw it (one more broker delivery).
        to_pass = [(published[h] - t) * 1000 for h, t in accepted.items() if h in published]
        r50, r95, r99 = (percentile(to_pass, p) for p in (50, 95, 99)) if to_pass else (0, 0, 0)
        print(
            f"  webhook accepted -> BookingConfirmed's relay pass: p50 {r50:.0f} ms, "
            f"p95 {r95:.0f} ms, p99 {r99:.0f} ms"
        )
        lat = [(conf.seen[h] - t) * 1000 for h, t in accepted.items() if h in conf.seen]
        ok = sum(1 for c in codes if c == 200)
        p50, p95, p99 = (percentile(lat, p) for p in (50, 95, 99)) if lat else (0, 0, 0)
        w50, w99 = (percentile(answered, p) for p in (50, 99)) if answered else (0, 0)
        print(
            f"{achieved:.1f} webhooks/s, {ok}/{n} accepted (answered p50 {w50:.0f} ms, "
            f"p99 {w99:.0f} ms), {len(lat)} confirmed; "
            f"webhook -> BookingConfirmed p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"
        )
        offset = load_started - sampling_started
        charts = [
            latency_chart(
                path.with_suffix(".latency.png"),
                [
                    (t - load_started, (conf.seen[h] - t) * 1000)
                    for h, t in accepted.items()
                    if h in conf.seen
                ],
            ),
            throughput_chart(
                path.with_suffix(".throughput.png"),
                [t - load_started for t in accepted.values()],
                [conf.seen[h] - load_started for h in accepted if h in conf.seen],
            ),
            backlog_chart(path.with_suffix(".backlog.png"), sampler.samples, offset),
            rss_chart(path.with_suffix(".rss.png"), sampler.samples, offset),
        ]
        peak = sampler.peak_rss()
        share = sampler.handled_during()
        rows = [
            ("rate asked / achieved", f"{args.rate:.0f}/s / {achieved:.1f}/s"),
            ("accepted / sent", f"{ok} / {n}"),
            ("webhook answered p50 / p99", f"{w50:.0f} ms / {w99:.0f} ms"),
            (
                "CPU per payment (ms, by process)",
                f"{sum(cpu_ms.values()):.1f}: "
                + ", ".join(f"{k} {v:.1f}" for k, v in cpu_ms.items() if v >= 0.5),
            ),
            ("confirmed", len(lat)),
            ("captured (PaymentCaptured seen)", captured),
            ("p50", f"{p50:.0f} ms"),
            ("p95", f"{p95:.0f} ms"),
            ("p99", f"{p99:.0f} ms"),
            ("mean", f"{statistics.mean(lat) if lat else 0:.0f} ms"),
            (
                "to its relay pass p50 / p95 / p99 (one broker delivery less)",
                f"{r50:.0f} / {r95:.0f} / {r99:.0f} ms",
            ),
            (
                "per-key order (payments topic)",
                f"{ordered_keys} keys checked, {len(order_bad)} out of order",
            ),
            (
                "largest resident set",
                f"{max(peak.values(), default=0):.0f} MB ({max(peak, key=peak.get) if peak else '-'})",
            ),
        ]
        text = (
            f"# Paid bookings at a steady rate, {args.replicas} of each consumer and relay\n\n"
            + f"Command: `uv run python bench/paid_bench.py --rate {args.rate:g} --seconds {args.seconds:g} --replicas {args.replicas}`\n\n"
            + machine_header(
                f"rate {args.rate}/s for {args.seconds}s, whole local stack, "
                f"{args.replicas} process(es) per consumer and relay (added: {', '.join(added) or 'none'})"
            )
            + "\n## webhook accepted -> BookingConfirmed published\n\n"
            + table(("figure", "value"), rows)
            + "\n## Where the time goes (from the databases' clocks)\n\n"
            + table(
                ("step", "p50", "p99"),
                [(n, f"{a:.1f} ms", f"{b:.1f} ms") for n, a, b in steps],
            )
            + "\n## Work shared between consumer replicas (messages handled during the run)\n\n"
            + table(("process", "handled"), sorted((k, f"{v:.0f}") for k, v in share.items()))
            + "\n## Peak resident memory per process (target: under 150 MB)\n\n"
            + table(("process", "MB"), sorted((k, f"{v:.0f}") for k, v in peak.items()))
            + ("\nOut of order: " + "; ".join(order_bad[:10]) + "\n" if order_bad else "")
            + _profiles_section(profiler, profiles)
            + "\n## Charts\n\n"
            + "".join(f"![{c.stem}]({c.name})\n\n" for c in charts)
        )
        path.write_text(text)
        print(f"report: {path}")
    finally:
        stack.down()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="processes per consumer and relay of every service (2: work shared, order kept)",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="py-spy every service process during the load: flame graphs and hot frames",
    )
    asyncio.run(run(ap.parse_args()))
