"""Booking benchmarks against the real booking processes.

    uv run python bench/booking_bench.py consumer [--events 20000] [--slots 1000] [--runs 2]
                                                  [--probe-events 3000] [--py-spy]
    uv run python bench/booking_bench.py storm    [--payers 1000] [--capacity 10] [--runs 2]
    uv run python bench/booking_bench.py slots    [--bookings 10000] [--requests 2000]
                                                  [--concurrency 4] [--runs 2] [--http-workers 1]
    uv run python bench/booking_bench.py all      (the three, one report)

Each scenario is a module of its own: booking_consumer.py (consumer peak, with the
in-process probes of booking_probes.py), booking_storm.py (last-seat storm) and
booking_slots.py (slot query); booking_data.py is what they share.

PostgreSQL and the broker come from DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set (the
broker should then be dedicated to this: the consumer joins group ``booking``), else
private ones are started in a temp folder and stopped at the end, whatever happens.
Prints figures and writes reports/booking-<stamp>.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchlib import ROOT, Stack, machine_header, report_path, terminate_on_sigterm
from booking_consumer import scenario_consumer
from booking_data import batch_records, process_setting
from booking_slots import scenario_slots
from booking_storm import scenario_storm

from kairos_localstack.stack import TOPIC_PARTITIONS

Scenario = Callable[[Stack, argparse.Namespace, Path], Awaitable[str]]
# name -> (the scenario, its default --capacity)
SCENARIOS: dict[str, tuple[Scenario, int | None]] = {
    "consumer": (scenario_consumer, None),
    "storm": (scenario_storm, 10),
    "slots": (scenario_slots, 20),
}


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("scenario", choices=[*SCENARIOS, "all"])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--slots", type=int, default=1000)
    ap.add_argument("--probe-events", type=int, default=3000, help="0 skips the in-process probes")
    ap.add_argument("--py-spy", action="store_true")
    ap.add_argument("--payers", type=int, default=1000)
    ap.add_argument("--capacity", type=int, default=None, help="storm: 10; slots: 20")
    ap.add_argument("--bookings", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--http-workers", type=int, default=1, help="slots: HTTP_WORKERS")
    ap.add_argument("--reports", default=str(ROOT / "reports"))
    return ap.parse_args()


async def run_scenarios(stack: Stack, args: argparse.Namespace, tmp: Path) -> list[str]:
    """The chosen scenarios one after another on one stack; each adds a report section."""
    sections: list[str] = []
    chosen = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    try:
        for name in chosen:
            scenario, capacity = SCENARIOS[name]
            own = argparse.Namespace(**{**vars(args), "capacity": args.capacity or capacity})
            sections.append(await scenario(stack, own, tmp))
    except BaseException as exc:
        sections.append(
            f"## Stopped early\n\n`{type(exc).__name__}: {exc}`; the sections above are complete.\n"
        )
        raise
    finally:
        write_report(args, sections)
    return sections


async def main() -> None:
    args = parse_args()
    args.started = time.perf_counter()
    terminate_on_sigterm()
    tmp = Path(tempfile.mkdtemp(prefix="kairos-booking-bench-"))
    stack = Stack(tmp)
    try:
        stack.start()
        await run_scenarios(stack, args, tmp)
        with contextlib.suppress(Exception):
            await stack.drop_databases()
    finally:
        stack.stop()


def write_report(args: argparse.Namespace, sections: list[str]) -> None:
    if not sections:
        return
    path = report_path(Path(args.reports), "booking")
    command = "uv run python bench/booking_bench.py " + " ".join(sys.argv[1:])
    path.write_text(
        f"# Booking benchmark ({path.stem.removeprefix('booking-')})\n\n"
        f"Command: `{command}` ({time.perf_counter() - args.started:.0f} s in all).\n"
        + machine_header(_settings(args))
        + "\nFigures come from a 2-core machine shared with other engineers' tests: read the spread "
        "between runs as the noise floor.\n\n" + "\n\n".join(sections)
    )
    print(f"report: {path}")


def _settings(args: argparse.Namespace) -> str:
    wait = process_setting("CONSUMER_FETCH_MAX_WAIT_MS")
    return (
        f"{args.runs} runs per scenario; booking processes with their default settings "
        f"(`CONSUMER_MAX_RECORDS` {batch_records()}, fetch wait {wait} ms, pool 10+10); "
        f"{TOPIC_PARTITIONS} partitions as the local stack."
    )


if __name__ == "__main__":
    asyncio.run(main())
