"""The paid bench's figures from what one run measured, printed and written as
reports/paid-x<replicas>-<time>.md with its PNG charts beside it.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import machine_header, percentile, table
from paid_statements import Statement
from paid_statements import section as statements_section
from paid_webhooks import Webhooks
from profiling import Profiler, profiles_section
from sampling import (
    Sampler,
    backlog_chart,
    latency_chart,
    rss_chart,
    throughput_chart,
)


@dataclass
class Measured:
    """One run's raw results: the webhooks' answers, when each BookingConfirmed was seen,
    CPU per payment by process, the samples over time and the checks read back after."""

    achieved: float
    webhooks: Webhooks
    seen: dict[str, float]  # hold -> BookingConfirmed seen by the bench
    captured: int
    cpu_ms: dict[str, float]
    sampler: Sampler
    sampling_started: float
    load_started: float
    profiler: Profiler | None
    profiles: dict[str, Any]
    ordered_keys: int
    order_bad: list[str]
    steps: list[tuple[str, float, float]]
    published: dict[str, float]  # hold -> its BookingConfirmed's relay pass began
    statements: list[Statement]  # --statements: what pg_stat_statements counted

    @property
    def sent(self) -> int:
        return len(self.webhooks.prepared.intents)

    def latencies(self) -> list[float]:
        """Webhook accepted -> BookingConfirmed seen by the bench, ms."""
        accepted = self.webhooks.accepted
        return [(self.seen[h] - t) * 1000 for h, t in accepted.items() if h in self.seen]

    def to_relay_pass(self) -> list[float]:
        """Webhook accepted -> the relay pass that published BookingConfirmed began (its
        broker ack came within the pass): one broker delivery less than ``latencies``."""
        accepted = self.webhooks.accepted
        return [(self.published[h] - t) * 1000 for h, t in accepted.items() if h in self.published]


def percentiles(values: list[float], *ps: float) -> tuple[float, ...]:
    return tuple(percentile(values, p) for p in ps) if values else tuple(0.0 for _ in ps)


def cpu_line(cpu_ms: dict[str, float], unit: str = "") -> str:
    """The total and each process's share (those of 0.5 ms and more)."""
    shown = ", ".join(f"{k} {v:.1f}" for k, v in cpu_ms.items() if v >= 0.5)
    return f"{sum(cpu_ms.values()):.1f}{unit}: {shown}"


#: what is not Kairos: the load generator, the stand-ins for Stripe, the mail server and
#: the calendar server
NOT_KAIROS = frozenset({"bench", "localstripe", "smtp", "radicale"})


def kairos_split(cpu_ms: dict[str, float]) -> str:
    """Kairos's CPU per payment (services, PostgreSQL, the broker, the gateway) and the
    rest's; and Kairos's as a multiple of localstripe's, whose work per payment is fixed:
    a figure from which the machine's speed of the moment cancels out (this VM's speed
    varies by a third from run to run: bench/README.md)."""
    kairos = sum(v for k, v in cpu_ms.items() if k not in NOT_KAIROS)
    rest = sum(v for k, v in cpu_ms.items() if k in NOT_KAIROS)
    stripe = cpu_ms.get("localstripe", 0.0)
    times = f", {kairos / stripe:.1f}x localstripe's" if stripe > 0 else ""
    return f"Kairos {kairos:.1f} ms, the rest {rest:.1f} ms{times}"


def print_summary(m: Measured) -> None:
    for name, s50, s99 in m.steps:
        print(f"  {name}: p50 {s50:.1f} ms, p99 {s99:.1f} ms")
    r50, r95, r99 = percentiles(m.to_relay_pass(), 50, 95, 99)
    print(
        f"  webhook accepted -> BookingConfirmed's relay pass: p50 {r50:.0f} ms, "
        f"p95 {r95:.0f} ms, p99 {r99:.0f} ms"
    )
    lat = m.latencies()
    ok = sum(1 for c in m.webhooks.codes if c == 200)
    p50, p95, p99 = percentiles(lat, 50, 95, 99)
    w50, w99 = percentiles(m.webhooks.answered_ms, 50, 99)
    print(
        f"{m.achieved:.1f} webhooks/s, {ok}/{m.sent} accepted (answered p50 {w50:.0f} ms, "
        f"p99 {w99:.0f} ms), {len(lat)} confirmed; "
        f"webhook -> BookingConfirmed p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms"
    )


def charts(path: Path, m: Measured) -> list[Path]:
    """Latency per second, throughput, outbox backlog and lag, resident memory."""
    start, accepted = m.load_started, m.webhooks.accepted
    offset = m.load_started - m.sampling_started
    points = [(t - start, (m.seen[h] - t) * 1000) for h, t in accepted.items() if h in m.seen]
    return [
        latency_chart(path.with_suffix(".latency.png"), points),
        throughput_chart(
            path.with_suffix(".throughput.png"),
            [t - start for t in accepted.values()],
            [m.seen[h] - start for h in accepted if h in m.seen],
        ),
        backlog_chart(path.with_suffix(".backlog.png"), m.sampler.samples, offset),
        rss_chart(path.with_suffix(".rss.png"), m.sampler.samples, offset),
    ]


def figure_rows(args: argparse.Namespace, m: Measured) -> list[tuple[str, Any]]:
    lat = m.latencies()
    p50, p95, p99 = percentiles(lat, 50, 95, 99)
    r50, r95, r99 = percentiles(m.to_relay_pass(), 50, 95, 99)
    w50, w99 = percentiles(m.webhooks.answered_ms, 50, 99)
    peak = m.sampler.peak_rss()
    largest = max(peak, key=lambda k: peak[k]) if peak else "-"
    return [
        ("rate asked / achieved", f"{args.rate:.0f}/s / {m.achieved:.1f}/s"),
        ("accepted / sent", f"{sum(1 for c in m.webhooks.codes if c == 200)} / {m.sent}"),
        ("webhook answered p50 / p99", f"{w50:.0f} ms / {w99:.0f} ms"),
        ("CPU per payment (ms, by process)", cpu_line(m.cpu_ms)),
        ("CPU per payment: Kairos and the rest", kairos_split(m.cpu_ms)),
        ("confirmed", len(lat)),
        ("captured (PaymentCaptured seen)", m.captured),
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
            f"{m.ordered_keys} keys checked, {len(m.order_bad)} out of order",
        ),
        ("largest resident set", f"{max(peak.values(), default=0):.0f} MB ({largest})"),
    ]


def write_report(path: Path, args: argparse.Namespace, added: list[str], m: Measured) -> None:
    drawn = charts(path, m)
    command = f"uv run python bench/paid_bench.py --rate {args.rate:g} --seconds {args.seconds:g}"
    if args.trace:
        command += " --trace"
    if args.statements:
        command += " --statements"
    settings = (
        f"rate {args.rate}/s for {args.seconds}s, whole local stack, "
        f"{args.replicas} process(es) per consumer and relay (added: {', '.join(added) or 'none'})"
        + (", traces exported over OTLP to a receiver in the bench" if args.trace else "")
    )
    share = m.sampler.handled_during()
    peak = m.sampler.peak_rss()
    text = (
        f"# Paid bookings at a steady rate, {args.replicas} of each consumer and relay\n\n"
        + f"Command: `{command} --replicas {args.replicas}`\n\n"
        + machine_header(settings)
        + "\n## webhook accepted -> BookingConfirmed published\n\n"
        + table(("figure", "value"), figure_rows(args, m))
        + "\n## Where the time goes (from the databases' clocks)\n\n"
        + table(("step", "p50", "p99"), [(n, f"{a:.1f} ms", f"{b:.1f} ms") for n, a, b in m.steps])
        + "\n## Work shared between consumer replicas (messages handled during the run)\n\n"
        + table(("process", "handled"), sorted((k, f"{v:.0f}") for k, v in share.items()))
        + "\n## Peak resident memory per process (target: under 150 MB)\n\n"
        + table(("process", "MB"), sorted((k, f"{v:.0f}") for k, v in peak.items()))
        + ("\nOut of order: " + "; ".join(m.order_bad[:10]) + "\n" if m.order_bad else "")
        + (profiles_section(m.profiler, m.profiles) if m.profiler is not None else "")
        + (statements_section(m.statements, m.sent) if m.statements else "")
        + "\n## Charts\n\n"
        + "".join(f"![{c.stem}]({c.name})\n\n" for c in drawn)
    )
    path.write_text(text)
    print(f"report: {path}")
