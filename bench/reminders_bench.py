"""Reminder benchmark: N reminders due in the same minute go out to the SMTP sink.

calendar-sync's database is migrated and seeded (COPY) with the bookings projection, the
people and the planned reminders as the projection leaves them: N/2 sessions starting in
the same minute, one reminder per participant an hour before. Then the real parts run:
PostgreSQL, the broker, the SMTP sink (``kairos_localstack.smtp_sink``, a Maildir) and
``--replicas`` calendar-sync consumer processes (``python -m kairos_calendar_sync
consumer``, as the local stack starts them), whose reminder job renders the due ones into
``email_outbox`` and whose mail job sends them. The processes' clock is moved
(``CALENDAR_SYNC_CLOCK_OFFSET_FILE``) so that every reminder is due at once ("go"); the
bench measures the time from go to the last message in the Maildir, the stages (queued,
sent) from the database's own stamps, mails/s, the CPU of each process, and that every
reminder went exactly once (Message-IDs in the Maildir against the mail keys).

    uv run python bench/reminders_bench.py [--reminders 100000] [--replicas 1]
        [--reminder-batch N] [--mail-batch N] [--mail-sessions N] [--profile]

Target: 100,000 reminders due in the same minute in the sink within 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import random
import re
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from benchlib import (
    ROOT,
    Stack,
    cpu_seconds,
    machine_header,
    plain,
    report_path,
    table,
    terminate_on_sigterm,
    wait_for_log,
)
from profiling import Profiler, profiles_section

from kairos_calendar_sync.settings import CalendarSettings
from kairos_localstack.services import all_topics
from kairos_localstack.smtp_sink import SmtpSink
from kairos_localstack.stack import TOPIC_PARTITIONS

MIGRATIONS = ROOT / "services/calendar-sync/src/kairos_calendar_sync/migrations"
READY = "consumer of calendar-sync started"
LEAD_MINUTES = 60
# A mix of readers, so that formatting runs for several zones and locales.
ZONES = ("Europe/Madrid", "America/New_York", "Asia/Tokyo", "Europe/Berlin", "UTC",
         "America/Sao_Paulo", "Australia/Sydney")  # fmt: skip
LOCALES = ("en", "es_ES", "de_DE", "fr_FR", "pt_BR", "ja", None)
TITLES = ("Weekly mentoring", "Career chat", "Code review", "Mock interview")
MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^>]+)>", re.IGNORECASE | re.MULTILINE)


def _settings_default(name: str) -> Any:
    return CalendarSettings.model_fields[name].default


async def seed(db: str, n: int, due: datetime) -> None:
    """``n`` reminders due at ``due`` (n/2 bookings starting LEAD_MINUTES later, both
    participants reminded), their bookings and people, by COPY."""
    rnd = random.Random(23)
    starts = due + timedelta(minutes=LEAD_MINUTES)
    booking_rows, people_rows, reminder_rows = [], [], []
    for i in range((n + 1) // 2):
        booking_id, mentor, mentee = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        zone = ZONES[i % len(ZONES)]
        booking_rows.append((
            booking_id, 1, "confirmed", TITLES[i % len(TITLES)], starts,
            starts + timedelta(minutes=rnd.choice((30, 45, 60))), zone,
            mentor, f"mentor{i}@example.org", f"Mentor {i}",
            mentee, f"mentee{i}@example.org", f"Mentee {i}",
            f"https://meet.example.org/{booking_id.hex[:10]}", [LEAD_MINUTES],
        ))  # fmt: skip
        for who, user_id in (("mentor", mentor), ("mentee", mentee)):
            if len(reminder_rows) == n:
                break
            locale = rnd.choice(LOCALES)
            own_zone = rnd.choice((None, *ZONES))
            people_rows.append(
                (user_id, f"{who}{i}@example.org", f"{who.title()} {i}", own_zone, locale, [])
            )
            reminder_rows.append((booking_id, user_id, LEAD_MINUTES, 1, starts, due))
    conn = await asyncpg.connect(plain(db))
    try:
        await conn.copy_records_to_table(
            "bookings", records=booking_rows,
            columns=["booking_id", "sequence", "status", "title", "starts_at", "ends_at",
                     "time_zone", "provider_user_id", "provider_email", "provider_name",
                     "mentee_user_id", "mentee_email", "mentee_name", "meeting_url",
                     "reminder_minutes"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "people", records=people_rows,
            columns=["user_id", "email", "name", "time_zone", "locale", "unsubscribed"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "reminders", records=reminder_rows,
            columns=["booking_id", "user_id", "minutes_before", "sequence", "starts_at", "due_at"],
        )  # fmt: skip
        for t in ("bookings", "people", "reminders", "email_outbox"):
            await conn.execute(f"VACUUM ANALYZE {t}")
    finally:
        await conn.close()


def maildir_count(maildir: Path) -> int:
    with contextlib.suppress(FileNotFoundError):
        with os.scandir(maildir / "new") as it:
            return sum(1 for _ in it)
    return 0


def maildir_check(maildir: Path) -> dict[str, Any]:
    """Message-IDs of every stored message (headers only) and the first/last write."""
    ids: collections.Counter[str] = collections.Counter()
    first, last, missing = None, None, 0
    for sub in ("new", "cur"):
        for entry in os.scandir(maildir / sub):
            mtime = entry.stat().st_mtime
            first = mtime if first is None else min(first, mtime)
            last = mtime if last is None else max(last, mtime)
            with open(entry.path, "rb") as f:
                head = f.read(4096)
            m = MESSAGE_ID.search(head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
            if m is None:
                missing += 1
            else:
                ids[m.group(1).decode().removesuffix("@kairos")] += 1
    return {"ids": ids, "first": first, "last": last, "without_id": missing}


async def db_figures(db: str) -> dict[str, Any]:
    conn = await asyncpg.connect(plain(db))
    try:
        out = dict(await conn.fetchrow(
            """SELECT count(*) AS rows, count(DISTINCT mail_key) AS keys,
                      count(sent_at) AS sent,
                      extract(epoch FROM min(created_at)) AS first_queued,
                      extract(epoch FROM max(created_at)) AS last_queued,
                      extract(epoch FROM min(sent_at)) AS first_sent,
                      extract(epoch FROM max(sent_at)) AS last_sent,
                      max(attempts) AS max_attempts
                 FROM email_outbox"""
        ))  # fmt: skip
        out["outcomes"] = dict(
            await conn.fetch(
                "SELECT coalesce(outcome, 'pending'), count(*) FROM reminders GROUP BY 1"
            )
        )
        out["mail_keys"] = {r[0] for r in await conn.fetch("SELECT mail_key FROM email_outbox")}
    finally:
        await conn.close()
    return out


async def progress(db: str) -> tuple[int, int]:
    conn = await asyncpg.connect(plain(db))
    try:
        row = await conn.fetchrow("SELECT count(*), count(sent_at) FROM email_outbox")
        return int(row[0]), int(row[1])
    finally:
        await conn.close()


def start_consumers(
    stack: Stack, db: str, args: argparse.Namespace, tmp: Path, sink: SmtpSink, offset: Path
) -> list[tuple[Any, Path]]:
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(sink.port),
        "CALENDAR_SYNC_CLOCK_OFFSET_FILE": str(offset),
        "PYTHONUNBUFFERED": "1",
    }
    for var, value in (
        ("REMINDER_BATCH_SIZE", args.reminder_batch),
        ("REMINDER_POLL_INTERVAL_S", args.reminder_poll),
        ("MAIL_BATCH_SIZE", args.mail_batch),
        ("MAIL_SESSIONS", args.mail_sessions),
    ):
        if value is not None:
            env[var] = str(value)
    procs = []
    for r in range(args.replicas):
        log = tmp / f"calendar-sync-consumer-{r + 1}.log"
        procs.append(
            (stack.service_process("kairos_calendar_sync", "consumer", db, log, **env), log)
        )
    return procs


def pg_root(stack: Stack) -> int | None:
    data_dir = stack.pg.data_dir
    if data_dir is None or not (data_dir / "postmaster.pid").exists():
        return None
    return int((data_dir / "postmaster.pid").read_text().split()[0])


async def run(stack: Stack, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    await stack.topics(all_topics(), TOPIC_PARTITIONS)
    db = await stack.migrated_database("bench_reminders", MIGRATIONS)
    # due in a minute well ahead of the processes' real clock: nothing is due until "go"
    due = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    t = time.perf_counter()
    await seed(db, args.reminders, due)
    print(
        f"seeded {args.reminders} reminders due at {due:%Y-%m-%d %H:%M} in {time.perf_counter() - t:.1f}s"
    )
    maildir = tmp / "maildir"
    sink = SmtpSink(maildir, log_file=tmp / "smtp.log")
    sink.start()
    offset = tmp / "clock-offset"
    offset.write_text("0")
    procs = start_consumers(stack, db, args, tmp, sink, offset)
    result: dict[str, Any] = {"due": due}
    profiler = None
    try:
        for proc, log in procs:
            await wait_for_log(log, READY, proc, 90)
        await asyncio.sleep(2)  # past start-up work (first idle passes of every job)
        roots = {f"calendar-sync consumer {i + 1}": p.pid for i, (p, _) in enumerate(procs)}
        roots["smtp sink"] = sink.pid or 0
        if (pg := pg_root(stack)) is not None:
            roots["postgres"] = pg
        if args.profile:
            profiler = Profiler({k: v for k, v in roots.items() if k != "postgres"},
                                report_path(Path(args.reports), "reminders-profile"), rate_hz=100)  # fmt: skip
        result["load_at_go"] = os.getloadavg()
        cpu0 = cpu_seconds(roots)
        go = time.time()
        # every reminder is due from now on: the processes' clock reads `due` + 1 s
        offset.write_text(f"{due.timestamp() - go + 1:.3f}")
        if profiler is not None:
            profiler.start(args.profile_seconds)
        n, last_seen, last_change = 0, -1, time.time()
        next_line = go
        while n < args.reminders:
            await asyncio.sleep(0.25)
            n = maildir_count(maildir)
            now = time.time()
            if n != last_seen:
                last_seen, last_change = n, now
            if now >= next_line:
                queued, sent = await progress(db)
                print(
                    f"  {now - go:6.1f}s queued {queued:>7} sent {sent:>7} in the sink {n:>7}",
                    flush=True,
                )
                next_line = now + 5
            if now - last_change > args.stall_s or now - go > args.timeout:
                print(f"  stopped waiting: {n} in the sink after {now - go:.0f}s")
                break
        done = time.time()
        cpu1 = cpu_seconds(roots)
        await asyncio.sleep(1.0)  # anything late (a second copy) would show up now
        result["profiles"] = profiler.finish() if profiler is not None else {}
    finally:
        for proc, _ in procs:
            stack.stop_process(proc)
        sink.stop()
    result["load_at_end"] = os.getloadavg()
    result["cpu"] = {k: cpu1.get(k, 0.0) - cpu0.get(k, 0.0) for k in roots}
    result["cpu"]["the bench itself"] = cpu1.get("bench", 0) - cpu0.get("bench", 0)
    result["go"], result["done_seen"] = go, done
    result["db"] = await db_figures(db)
    result["maildir"] = maildir_check(maildir)
    result["profiler"] = profiler
    return result


def figures(args: argparse.Namespace, r: dict[str, Any]) -> tuple[str, list[tuple[Any, ...]]]:
    go, d, m = r["go"], r["db"], r["maildir"]
    ids: collections.Counter[str] = m["ids"]
    n = args.reminders
    delivered = sum(ids.values())
    twice = sum(1 for c in ids.values() if c > 1)
    # none twice: no Message-ID twice in the Maildir, each one a queued mail's key, one
    # email_outbox row per key; all: every reminder's mail arrived
    once = twice == 0 and set(ids) <= d["mail_keys"] and d["rows"] == d["keys"]
    once = once and m["without_id"] == 0
    complete = len(ids) == n and d["rows"] == n
    last = (m["last"] or go) - go
    rate = delivered / last if last > 0 else 0.0

    def since(x: float | None) -> str:
        return "-" if x is None else f"{float(x) - go:.1f} s"

    verdict = "met" if n >= 100_000 and once and complete and last <= 60 else (
        "not applicable: fewer reminders" if n < 100_000 else "not met")  # fmt: skip
    headline = (
        f"**{delivered} of {n} reminders in the sink {last:.1f} s after they fell due = "
        f"{rate:.0f} mails/s**; all there: **{'yes' if complete else 'NO'}**, none twice: "
        f"**{'yes' if once else 'NO'}** (distinct Message-IDs {len(ids)}, seen twice {twice}, "
        f"email_outbox rows {d['rows']}, distinct keys {d['keys']}, every Message-ID a queued "
        f"mail's key: {set(ids) <= d['mail_keys']}). "
        f"Target (100,000 within 60 s, each once): {verdict}."
    )
    rows: list[tuple[Any, ...]] = [
        ("first queued into email_outbox", since(d["first_queued"])),
        ("last queued", since(d["last_queued"])),
        ("first sent (marked)", since(d["first_sent"])),
        ("last sent (marked)", since(d["last_sent"])),
        ("first in the Maildir", since(m["first"])),
        ("last in the Maildir", since(m["last"])),
        ("reminders by outcome", ", ".join(f"{k} {v}" for k, v in sorted(d["outcomes"].items()))),
        ("most attempts of a mail", d["max_attempts"]),
    ]
    span = max(last, 1e-9)
    for name, secs in r["cpu"].items():
        rows.append((f"CPU {name}", f"{secs:.1f} s ({secs / span * 100:.0f}% of a core, "
                                    f"{secs * 1e6 / max(delivered, 1):.0f} us/mail)"))  # fmt: skip
    return headline, rows


def write_report(
    args: argparse.Namespace, r: dict[str, Any], headline: str, rows: list[tuple[Any, ...]]
) -> Path:
    path = report_path(Path(args.reports), f"reminders-x{args.replicas}")
    command = "uv run python bench/reminders_bench.py " + " ".join(sys.argv[1:])
    load0 = " / ".join(f"{x:.2f}" for x in r["load_at_go"])
    load1 = " / ".join(f"{x:.2f}" for x in r["load_at_end"])
    settings = (
        f"{args.reminders} reminders due at the same instant ({(args.reminders + 1) // 2} sessions "
        f"starting in the same minute, both participants, {LEAD_MINUTES} min ahead; readers in "
        f"{len(ZONES)} zones and {len(LOCALES)} locales); {args.replicas} calendar-sync consumer "
        f"process(es); REMINDER_BATCH_SIZE {args.reminder_batch or _settings_default('reminder_batch_size')}, "
        f"REMINDER_POLL_INTERVAL_S {args.reminder_poll or _settings_default('reminder_poll_interval_s')}, "
        f"MAIL_BATCH_SIZE {args.mail_batch or 'default'}, MAIL_SESSIONS {args.mail_sessions or 'default'}; "
        f"load average 1/5/15 min at go {load0}, at the end {load1}."
    )
    text = (
        f"# Reminder benchmark ({path.stem.removeprefix('reminders-')})\n\nCommand: `{command}`\n"
        + machine_header(settings)
        + '\nTimes are from "go" (the processes\' clock moved past the minute every reminder '
        "is due in): queued and sent from email_outbox's own stamps (`created_at`: the "
        "reminder transaction's start, `sent_at`: the settling transaction's), the Maildir "
        "from the files' modification times. CPU from /proc between go and the last message "
        "seen (PostgreSQL: the postmaster and every backend).\n\n"
        + headline
        + "\n\n"
        + table(("what", "figure"), rows)
    )
    if r.get("profiler") is not None:
        text += profiles_section(r["profiler"], r["profiles"])
    path.write_text(text)
    return path


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--reminders", type=int, default=100_000)
    ap.add_argument("--replicas", type=int, default=1, help="calendar-sync consumer processes")
    ap.add_argument(
        "--reminder-batch", type=int, help="REMINDER_BATCH_SIZE (default: the service's)"
    )
    ap.add_argument(
        "--reminder-poll", type=float, help="REMINDER_POLL_INTERVAL_S (default: the service's)"
    )
    ap.add_argument("--mail-batch", type=int, help="MAIL_BATCH_SIZE (default: the service's)")
    ap.add_argument("--mail-sessions", type=int, help="MAIL_SESSIONS (default: the service's)")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument(
        "--stall-s", type=float, default=60.0, help="give up after this long without a new message"
    )
    ap.add_argument("--profile", action="store_true", help="py-spy on the consumers and the sink")
    ap.add_argument("--profile-seconds", type=float, default=30.0)
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (logs, Maildir)")
    ap.add_argument("--reports", default=str(ROOT / "reports"))
    return ap.parse_args()


async def main() -> None:
    args = parse_args()
    terminate_on_sigterm()
    tmp = Path(tempfile.mkdtemp(prefix="kairos-reminders-bench-"))
    stack = Stack(tmp)
    try:
        stack.start()
        r = await run(stack, args, tmp)
        with contextlib.suppress(Exception):
            await stack.drop_databases()
    finally:
        stack.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    headline, rows = figures(args, r)
    print(headline.replace("**", ""))
    for what, value in rows:
        print(f"  {what}: {value}")
    print(f"report: {write_report(args, r, headline, rows)}")


if __name__ == "__main__":
    asyncio.run(main())
