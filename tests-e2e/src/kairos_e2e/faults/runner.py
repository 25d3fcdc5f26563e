"""The fault-injection run: a whole local stack in a temp dir, a mixed workload, faults at
random intervals (or on a script), then quiet, then every invariant.

    uv run python -m kairos_e2e.faults run --minutes 10

Exit status 0 only when the platform got quiet and no invariant was violated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from kairos_e2e.client import Gateway
from kairos_e2e.faults import invariants
from kairos_e2e.faults.injector import Fault, Injector
from kairos_e2e.faults.sweep import ReminderSweep
from kairos_e2e.faults.webhooks import WebhookRelay
from kairos_e2e.faults.workload import World, attendance_offset, drive, setup
from kairos_localstack.stack import Stack
from kairos_localstack.state import StackState

# Settings for the services under test: holds lapse within a short run, reconciliation
# and the calendar sync look often enough to recover before the quiet deadline, the
# reminder job looks every second (calendar-sync's clock is swept: faults.sweep).
SERVICE_ENV = {
    "HOLD_TTL_S": "60",
    "RECONCILE_INTERVAL_S": "5",
    "CALENDAR_RECONCILE_INTERVAL_S": "30",
    "SWEEP_INTERVAL_S": "2",
    "REMINDER_POLL_INTERVAL_S": "1",
}
CLOCK_FILE_ENV = "CALENDAR_SYNC_CLOCK_OFFSET_FILE"
#: a load at least this long must have sent reminders (else the reminder check is vacuous)
REMINDERS_EXPECTED_AFTER_S = 120.0


def service_env(clock_file: Path | None = None) -> dict[str, str]:
    """SERVICE_ENV plus attendance's clock for this run (see workload.attendance_offset) and
    the file calendar-sync's clock is moved by (see faults.sweep)."""
    ahead = attendance_offset().total_seconds()
    env = {**SERVICE_ENV, "ATTENDANCE_CLOCK_OFFSET_S": f"{ahead:.0f}"}
    if clock_file is not None:
        env[CLOCK_FILE_ENV] = str(clock_file)
    return env


@dataclass
class Script:
    """A fixed fault schedule (the short test): (seconds after load starts, kind, arg)."""

    steps: list[tuple[float, str, str]] = field(default_factory=list)


@dataclass
class Result:
    faults: list[Fault]
    checks: list[invariants.Check]
    quiet: bool
    quiet_note: str
    stats: dict[str, int]
    webhook_faults: dict[str, int]
    sweep: str = "calendar-sync's clock not swept"

    @property
    def violations(self) -> list[invariants.Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def ok(self) -> bool:
        return self.quiet and not self.violations

    def report(self) -> str:
        out = [f"== faults injected: {len(self.faults)}"]
        out += ["  " + f.line() for f in self.faults]
        out.append(f"== webhook relay: {self.webhook_faults}")
        out.append("== workload (request:status -> count)")
        out += [f"  {k}: {v}" for k, v in sorted(self.stats.items())]
        fives = {k: v for k, v in self.stats.items() if k.split(":")[-1].startswith("5")}
        # not an invariant; a lost dependency must answer 503 (Retry-After): a 500 or 502 here is
        # a bug to look at (services map transient database errors, the gateway a down process)
        out.append(f"== 5xx answers seen: {fives}")
        out.append(f"== quiet: {'yes' if self.quiet else 'NO'} {self.quiet_note}")
        reminders = [c for c in self.checks if c.name == invariants.REMINDER_CHECK]
        sent = f"{reminders[0].checked} reminders checked" if reminders else "no reminder check"
        out.append(f"== reminders: {self.sweep}; {sent}")
        out.append(f"== invariants: {len(self.checks)} checked, {len(self.violations)} violated")
        out += ["  " + c.line() for c in self.checks]
        out.append("RESULT: " + ("PASS" if self.ok else "FAIL"))
        return "\n".join(out)


QUIET_QUERIES = {
    "booking": ["SELECT count(*) FROM outbox WHERE sent_at IS NULL"],
    "payments": [
        "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
        "SELECT count(*) FROM payments WHERE status IN "
        "('creating', 'verified', 'capturing', 'voiding', 'cancelling')",
        "SELECT count(*) FROM refunds WHERE status <> 'succeeded'",
        "SELECT count(*) FROM subscriptions WHERE status IN "
        "('creating', 'cancelling', 'reactivating')",
    ],
    "attendance": [
        "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
        "SELECT count(*) FROM email_outbox WHERE sent_at IS NULL",
    ],
    "calendar-sync": [
        "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
        "SELECT count(*) FROM email_outbox WHERE sent_at IS NULL",
        "SELECT count(*) FROM calendar_entries WHERE pending",
    ],
}
FINGERPRINT = "SELECT (SELECT count(*) FROM inbox), (SELECT count(*) FROM outbox)"


async def wait_for_quiet(urls: Mapping[str, str], timeout: float) -> tuple[bool, str]:
    """Poll until nothing is owed anywhere (outboxes, Stripe actions, calendar and mail
    work), the projections match booking, and inbox/outbox counts stop moving for three
    polls in a row; or the deadline. Returns (quiet, what was still outstanding)."""
    deadline = time.monotonic() + timeout
    stable, last_print, note, shown = 0, None, "", time.monotonic()
    while time.monotonic() < deadline:
        owed: list[str] = []
        prints: list[object] = []
        try:
            for name, url in urls.items():
                conn = await asyncpg.connect(invariants.plain_url(url), timeout=5)
                try:
                    for q in QUIET_QUERIES.get(name, []):
                        n = await conn.fetchval(q)
                        if n:
                            owed.append(f"{name}: {n} <- {q}")
                    prints.append(tuple(await conn.fetchrow(FINGERPRINT)))
                finally:
                    await conn.close()
            conns = {n: await asyncpg.connect(invariants.plain_url(u)) for n, u in urls.items()}
            try:
                proj = await invariants.check_projections(
                    conns["booking"], conns["calendar-sync"], conns["attendance"]
                )
            finally:
                for c in conns.values():
                    await c.close()
            if not proj.ok:
                owed.append(f"projections behind: {len(proj.problems)} bookings")
        except (OSError, asyncpg.PostgresError) as exc:
            owed.append(f"database: {exc!r}")
        if owed and time.monotonic() - shown > 10:
            print(f"  waiting for quiet: {'; '.join(owed)}", flush=True)
            shown = time.monotonic()
        stable = stable + 1 if (not owed and prints == last_print) else 0
        last_print, note = prints, "; ".join(owed)
        if stable >= 3:
            return True, ""
        await asyncio.sleep(1.0)  # poll interval
    return False, f"after {timeout:.0f}s still owed: {note or 'counts still moving'}"


async def run_load(
    stack: Stack,
    state: StackState,
    *,
    seconds: float,
    seed: int,
    pause_s: float,
    gap_s: tuple[float, float],
    quiet_timeout: float,
    script: Script | None = None,
    bookers: int = 3,
    subscribers: int = 4,
) -> Result:
    ep = state.endpoints
    gw = Gateway(state.gateway_url or "", Path(state.data_dir), endpoints=ep)
    relay = WebhookRelay(
        state.gateway_url or "",
        ep["stripe_webhook_secret"],
        ep["stripe_api_base"],
        ep["stripe_api_key"],
        rng=random.Random(seed + 1),
    )
    await relay.start()
    ahead = float(stack.env.get("ATTENDANCE_CLOCK_OFFSET_S", "0"))
    world = World(gw, random.Random(seed + 2), ahead=timedelta(seconds=ahead))
    clock_file = stack.env.get(CLOCK_FILE_ENV)
    world.sweep = ReminderSweep(Path(clock_file)) if clock_file else None
    sweeping: asyncio.Task[None] | None = None
    try:
        await setup(world)
        injector = Injector(stack, relay, random.Random(seed + 3), pause_s=pause_s)
        until = time.monotonic() + seconds
        if world.sweep is not None:
            # to the end of the last bookable session: every reminder of the sessions the
            # load books falls due during the load
            slots = [datetime.fromisoformat(s) for o in world.one_time for s in o.slots]
            last = max(slots, default=datetime.now(UTC) + timedelta(days=7))
            world.sweep.start(seconds, last + timedelta(hours=1))
            sweeping = asyncio.create_task(world.sweep.run())
        load = asyncio.create_task(drive(world, seconds, bookers=bookers, subscribers=subscribers))
        if script is not None:
            for at, kind, arg in script.steps:
                # the schedule itself: wait for the step's time
                await asyncio.sleep(max(0.0, injector.t0 + at - time.monotonic()))
                if kind == "kill":
                    await injector.kill(arg or None)
                elif kind == "pause":
                    await injector.pause_broker(float(arg))
                elif kind == "broker":
                    await injector.kill_broker(float(arg))
                elif kind == "rolling":
                    await injector.rolling_restart()
                elif kind == "postgres":
                    await injector.restart_postgres()
                else:
                    injector.webhook(arg)
        else:
            await injector.random_until(until, gap_s)
        await load
        if sweeping is not None:
            await sweeping
        urls = {name: info["database_url"] for name, info in state.services.items()}
        t_quiet = time.monotonic()
        quiet, note = await wait_for_quiet(urls, quiet_timeout)
        print(f"quiet after {time.monotonic() - t_quiet:.0f}s: {quiet}", flush=True)
    finally:
        if sweeping is not None and not sweeping.done():
            sweeping.cancel()
        await relay.stop()
        await gw.aclose()
    checks = await invariants.check_all(
        urls,
        stripe=(ep["stripe_api_base"], ep["stripe_api_key"]) if ep.get("stripe_local") else None,
        maildir=ep.get("maildir"),
        calendars=True,
        attendance_ahead=world.ahead,
        dropped_webhooks=relay.dropped,
        expect_reminders=world.sweep is not None and seconds >= REMINDERS_EXPECTED_AFTER_S,
    )
    checks += await asyncio.to_thread(
        invariants.check_told, state.gateway_url or "", ep["stripe_api_base"],
        ep["stripe_api_key"], world.told,
    )  # fmt: skip
    sweep = world.sweep.describe() if world.sweep is not None else "calendar-sync's clock not swept"
    return Result(injector.log, checks, quiet, note, dict(world.stats), relay.counts(), sweep=sweep)


def run(
    seconds: float,
    *,
    seed: int,
    pause_s: float,
    gap_s: tuple[float, float],
    quiet_timeout: float = 240.0,
    script: Script | None = None,
    keep: bool = False,
    data_dir: Path | None = None,
    kafka_nodes: int = 1,
) -> Result:
    """Bring a whole stack up in a temp dir, run, check, bring it down (also on failure)."""
    root = data_dir or Path(tempfile.mkdtemp(prefix="kairos-faults-"))
    clock_file = root / "calendar-sync-clock-offset-s"
    root.mkdir(parents=True, exist_ok=True)
    clock_file.write_text("0")  # calendar-sync on the wall clock until the load sweeps it
    env = service_env(clock_file)
    stack = Stack(root, env={**os.environ, **env}, kafka_nodes=kafka_nodes)
    print(f"stack data: {root}", flush=True)
    try:
        t0 = time.monotonic()
        state = stack.up()
        print(
            f"stack up at {state.gateway_url} in {time.monotonic() - t0:.0f}s; "
            f"load for {seconds:.0f}s",
            flush=True,
        )
        return asyncio.run(
            run_load(
                stack,
                state,
                seconds=seconds,
                seed=seed,
                pause_s=pause_s,
                gap_s=gap_s,
                quiet_timeout=quiet_timeout,
                script=script,
            )
        )
    finally:
        stack.down()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kairos_e2e.faults")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="a fault-injection run on a fresh local stack")
    r.add_argument("--minutes", type=float, default=10.0)
    r.add_argument("--seed", type=int, default=int(time.time()))
    r.add_argument("--pause-s", type=float, default=30.0, help="broker SIGSTOP duration")
    # faults come one after another (a broker pause lasts --pause-s): the gaps set how many
    # faults a run gets (how many the default gives: bench/README.md)
    r.add_argument("--gap-s", type=float, nargs=2, default=(3.0, 12.0), metavar=("MIN", "MAX"))
    r.add_argument("--quiet-timeout", type=float, default=240.0)
    r.add_argument("--kafka-nodes", type=int, choices=(1, 3), default=1)
    r.add_argument("--keep", action="store_true", help="keep the stack's data dir (logs)")
    r.add_argument("--report", type=Path, help="also write the report to this file")
    args = ap.parse_args(argv)
    print(f"seed {args.seed}", flush=True)
    result = run(
        args.minutes * 60,
        seed=args.seed,
        pause_s=args.pause_s,
        gap_s=tuple(args.gap_s),
        quiet_timeout=args.quiet_timeout,
        keep=args.keep,
        kafka_nodes=args.kafka_nodes,
    )
    text = result.report()
    print(text)
    if args.report:
        with contextlib.suppress(OSError):
            args.report.parent.mkdir(parents=True, exist_ok=True)
            args.report.write_text(f"seed {args.seed}\n{text}\n")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
