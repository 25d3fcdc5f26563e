"""Paid bookings at a steady rate, on the whole local stack: a signed Stripe webhook is
accepted by payments (through the gateway) -> PaymentVerified -> booking's consumer ->
BookingConfirmed published. Latency = webhook answered -> BookingConfirmed on the topic.

    uv run python bench/paid_bench.py [--rate 50] [--seconds 20] [--replicas 2] [--profile]

The report (reports/paid-x<replicas>-<time>.md, paid_report.py) has the latency
percentiles, the per-key order check on the payments topic, the work each consumer replica
did, every process's peak resident memory, and PNG charts over time: latency per second,
throughput, outbox backlog and consumer lag (from the processes' own /metrics), resident
memory.

Preparation (not timed, paid_webhooks.py): a provider with a capacity-1000 offering; for
each booking a hold and a card checkout without a payment method (the PaymentIntent waits
for the browser); the "browser" then attaches pm_card_visa and confirms it directly at
localstripe, so the intent is authorized (requires_capture). localstripe sends no event
for that (see services/payments/README.md), which is exactly what a webhook reports in
production: the benchmark signs `payment_intent.amount_capturable_updated` with the stack's
secret and posts it at the fixed rate. Stack from kairos_localstack in a temp folder,
stopped after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import paid_statements
from benchlib import ROOT, cpu_seconds, report_path
from paid_observe import (
    Confirmations,
    captures_seen,
    per_key_order,
    stages,
)
from paid_report import Measured, cpu_line, kairos_split, print_summary, write_report
from paid_statements import Statement
from paid_webhooks import Prepared, Webhooks, prepare
from profiling import Profiler
from sampling import Sampler, Watched

from kairos_e2e.client import Gateway
from kairos_localstack.stack import Stack
from kairos_platform.otlp_receiver import OtlpReceiver


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


def start_profiler(stack: Stack, path: Path, args: argparse.Namespace) -> Profiler | None:
    """With --profile: py-spy on every service process for the load's duration."""
    if not args.profile:
        return None
    profiler = Profiler({w.name: w.pid for w in watched_processes(stack)}, path)
    profiler.start(args.seconds + 2)
    return profiler


def database_names(stack: Stack) -> dict[str, str]:
    """``{service: its database's name}``."""
    urls = {name: info["database_url"] for name, info in stack.state.services.items()}
    return {name: url.rsplit("/", 1)[1].split("?", 1)[0] for name, url in urls.items()}


def cpu_per_payment(before: dict[str, float], after: dict[str, float], n: int) -> dict[str, float]:
    """ms of CPU per payment by process, largest first."""
    used = {name: (after.get(name, 0.0) - was) * 1000 / n for name, was in before.items()}
    return dict(sorted(used.items(), key=lambda kv: -kv[1]))


async def measure(
    stack: Stack, prepared: Prepared, args: argparse.Namespace, path: Path
) -> Measured:
    """The load while BookingConfirmed is followed and the processes sampled; then what
    the run left behind, read back. CPU is counted from the first webhook to the last
    capture seen."""
    bootstrap = stack.state.endpoints["kafka_bootstrap"]
    conf = Confirmations(bootstrap)
    await conf.start()
    sampler = Sampler(watched_processes(stack))
    stop_sampling = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop_sampling))
    sampling_started = time.time()
    webhooks = Webhooks(prepared)
    print(f"firing {len(prepared.intents)} webhooks at {args.rate}/s ...", flush=True)
    roots = {rec.name: rec.pid for rec in stack.state.processes if rec.alive}
    admin_url = stack.state.endpoints["database_url"]
    if args.statements:
        await paid_statements.reset(admin_url)
    cpu_before = cpu_seconds(roots)
    profiler = start_profiler(stack, path, args)
    load_started = time.time()
    achieved, captured = await load(bootstrap, webhooks, conf, args.rate)
    cpu_ms = cpu_per_payment(cpu_before, cpu_seconds(roots), len(prepared.intents))
    print(f"CPU per payment {cpu_line(cpu_ms, ' ms')}", flush=True)
    print(f"  {kairos_split(cpu_ms)}", flush=True)
    statements: list[Statement] = []
    if args.statements:
        statements = await paid_statements.read(admin_url, database_names(stack))
        print(f"  {paid_statements.summary(statements, len(prepared.intents))}", flush=True)
    stop_sampling.set()
    await sampling
    profiles = profiler.finish() if profiler is not None else {}
    ordered_keys, order_bad = await per_key_order(bootstrap, prepared.payment_keys)
    urls = {name: info["database_url"] for name, info in stack.state.services.items()}
    steps, published = await stages(urls, webhooks.sent_at, conf.seen)
    return Measured(
        achieved, webhooks, conf.seen, captured, cpu_ms, sampler, sampling_started,
        load_started, profiler, profiles, ordered_keys, order_bad, steps, published,
        statements,
    )  # fmt: skip


async def load(
    bootstrap: str, webhooks: Webhooks, conf: Confirmations, rate: float
) -> tuple[float, int]:
    """Every webhook posted at ``rate``, then a bounded wait for their BookingConfirmed and
    for payments' captures. Returns the rate achieved and the captures seen."""
    achieved = await webhooks.post_at(rate)
    await conf.wait_for(webhooks.accepted, timeout=60)
    await conf.stop()
    return achieved, await captures_seen(bootstrap, len(conf.seen), timeout=60)


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kairos-paid-bench-"))
    # Reconciliation off: the prepared PaymentIntents are minutes old when their webhooks
    # come, and its re-check of open payments would settle them before the measured phase.
    env = {**os.environ, "RECONCILE_INTERVAL_S": "86400"}
    # --trace: every process exports its spans to a receiver in this process (what tracing
    # costs the services; decoding them is the bench's own CPU, not Kairos's)
    with contextlib.ExitStack() as resources:
        receiver = resources.enter_context(OtlpReceiver()) if args.trace else None
        if receiver is not None:
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
        settings = paid_statements.SETTINGS if args.statements else None
        await run_on(Stack(tmp, env=env, postgres_settings=settings), args, receiver)


async def run_on(stack: Stack, args: argparse.Namespace, receiver: OtlpReceiver | None) -> None:
    tmp = stack.data_dir
    state = stack.up()
    try:
        added = scale(stack, args.replicas)
        gw = Gateway(state.gateway_url or "", Path(state.data_dir), endpoints=state.endpoints)
        n = int(args.rate * args.seconds)
        print(f"preparing {n} authorized payments ({args.replicas} of each consumer/relay) ...")
        prepared = await prepare(gw, state.endpoints, state.gateway_url or "", n)
        path = report_path(ROOT / "reports", f"paid-x{args.replicas}")
        measured = await measure(stack, prepared, args, path)
        print_summary(measured)
        if receiver is not None:
            print(f"tracing on: {len(receiver.spans())} spans received")
        write_report(path, args, added, measured)
    finally:
        stack.down()
        shutil.rmtree(tmp, ignore_errors=True)


def parse_args() -> argparse.Namespace:
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
        "--trace",
        action="store_true",
        help="OpenTelemetry on in every process, spans exported to a receiver in the bench",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="py-spy every service process during the load: flame graphs and hot frames",
    )
    ap.add_argument(
        "--statements",
        action="store_true",
        help="count every SQL statement per service and paid booking (pg_stat_statements)",
    )
    return ap.parse_args()


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
