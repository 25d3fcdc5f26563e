"""What an SRE would watch during a benchmark on the local stack, sampled over time, and
the PNG charts of a report.

The figures come from where production would read them: each service process's own
``/metrics`` (``outbox_backlog``, ``consumer_lag``, ``consumer_messages_total``, set by the
relays and consumers themselves) and the kernel (resident memory, ``/proc/<pid>/status``).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from benchlib import percentile


@dataclass(frozen=True)
class Watched:
    name: str  # booking-consumer, booking-consumer-2, ...
    pid: int
    metrics_url: str


@dataclass
class Sample:
    t: float  # seconds since the sampler started
    rss_mb: dict[str, float]
    backlog: dict[str, float]  # per service (the relays' gauge)
    lag: dict[str, float]  # per consumer process, summed over its partitions
    handled: dict[str, float]  # per consumer process: consumer_messages_total, outcome ok


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


_WANTED = ("outbox_backlog", "consumer_lag", "consumer_messages_total")


def _scrape(text: str) -> dict[str, float]:
    """backlog, lag and handled (ok) totals of one process's exposition. Read line by line
    for the three families only: prometheus_client's full parser, over every process's
    exposition twice a second, took the CPU the load generator needs."""
    out: dict[str, float] = defaultdict(float)
    for line in text.splitlines():
        if not line.startswith(_WANTED):
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        value = float(line.rsplit(" ", 1)[1])
        if name == "outbox_backlog":
            out["backlog"] = max(out["backlog"], value)
        elif name == "consumer_lag":
            out["lag"] += value
        elif name == "consumer_messages_total" and 'outcome="ok"' in line:
            out["handled"] += value
    return out


@dataclass
class Sampler:
    watched: Sequence[Watched]
    every_s: float = 0.5
    samples: list[Sample] = field(default_factory=list)

    async def _one(self, client: httpx.AsyncClient, t: float) -> Sample:
        async def scrape(w: Watched) -> tuple[Watched, dict[str, float]]:
            try:
                return w, _scrape((await client.get(w.metrics_url)).text)
            except httpx.HTTPError:
                return w, {}

        scraped = await asyncio.gather(*(scrape(w) for w in self.watched))
        sample = Sample(t, {w.name: rss_mb(w.pid) for w in self.watched}, {}, {}, {})
        for w, figures in scraped:
            service = (
                w.name.split("-")[0] if not w.name.startswith("calendar-sync") else "calendar-sync"
            )
            if "relay" in w.name and "backlog" in figures:
                sample.backlog[service] = max(sample.backlog.get(service, 0), figures["backlog"])
            if "consumer" in w.name:
                sample.lag[w.name] = figures.get("lag", 0.0)
                sample.handled[w.name] = figures.get("handled", 0.0)
        return sample

    async def run(self, stop: asyncio.Event) -> None:
        start = time.monotonic()
        async with httpx.AsyncClient(timeout=2) as client:
            while not stop.is_set():
                self.samples.append(await self._one(client, time.monotonic() - start))
                try:
                    await asyncio.wait_for(stop.wait(), self.every_s)
                except TimeoutError:
                    pass
            self.samples.append(await self._one(client, time.monotonic() - start))

    def peak_rss(self) -> dict[str, float]:
        peak: dict[str, float] = defaultdict(float)
        for s in self.samples:
            for name, mb in s.rss_mb.items():
                peak[name] = max(peak[name], mb)
        return dict(peak)

    def handled_during(self) -> dict[str, float]:
        """Messages each consumer process finished between the first and last sample."""
        if not self.samples:
            return {}
        first, last = self.samples[0].handled, self.samples[-1].handled
        return {name: last[name] - first.get(name, 0.0) for name in last}


def _plot(
    path: Path, title: str, ylabel: str, series: dict[str, tuple[list[float], list[float]]]
) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.5), dpi=100)
    for label, (xs, ys) in series.items():
        ax.plot(xs, ys, label=label, linewidth=1.2)
    ax.set_title(title)
    ax.set_xlabel("seconds since the load started")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def latency_chart(path: Path, points: Sequence[tuple[float, float]]) -> Path:
    """p50/p95/p99 per one-second window of (sent at s, latency ms) points."""
    windows: dict[int, list[float]] = defaultdict(list)
    for at, ms in points:
        windows[int(at)].append(ms)
    seconds = sorted(windows)
    xs = [float(x) for x in seconds]
    series = {f"p{p}": (xs, [percentile(windows[x], p) for x in seconds]) for p in (50, 95, 99)}
    return _plot(path, "webhook accepted -> BookingConfirmed, per second", "ms", series)


def throughput_chart(path: Path, sent: Sequence[float], confirmed: Sequence[float]) -> Path:
    """Webhooks sent and bookings confirmed per second (times in seconds since start)."""

    def per_second(times: Sequence[float]) -> tuple[list[float], list[float]]:
        counts: dict[int, int] = defaultdict(int)
        for t in times:
            counts[int(t)] += 1
        xs = list(range(0, max(counts, default=0) + 1))
        return [float(x) for x in xs], [float(counts[x]) for x in xs]

    series = {"webhooks sent": per_second(sent), "BookingConfirmed seen": per_second(confirmed)}
    return _plot(path, "throughput", "per second", series)


def backlog_chart(path: Path, samples: Sequence[Sample], offset_s: float) -> Path:
    series: dict[str, tuple[list[float], list[float]]] = {}
    names = sorted({k for s in samples for k in s.backlog})
    for name in names:
        series[f"outbox backlog {name}"] = (
            [s.t - offset_s for s in samples],
            [s.backlog.get(name, 0) for s in samples],
        )
    consumers = sorted({k for s in samples for k in s.lag})
    for name in consumers:
        series[f"lag {name}"] = (
            [s.t - offset_s for s in samples],
            [s.lag.get(name, 0) for s in samples],
        )
    return _plot(path, "outbox backlog and consumer lag", "messages", series)


def rss_chart(path: Path, samples: Sequence[Sample], offset_s: float) -> Path:
    names = sorted({k for s in samples for k in s.rss_mb})
    series = {
        n: ([s.t - offset_s for s in samples], [s.rss_mb.get(n, 0) for s in samples]) for n in names
    }
    return _plot(path, "resident memory per service process", "MB", series)
