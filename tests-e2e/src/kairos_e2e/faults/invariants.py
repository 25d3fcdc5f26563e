"""Invariants read straight from every service's database (and Stripe, Radicale, the Maildir).

Each check is a coroutine over plain asyncpg connections and returns a ``Check``: its name,
whether it held, and the offending rows (at most a few) when it did not. The runner calls
them all after the platform is quiet; ``faults/tests`` corrupts databases on purpose to
show each one can fail.
"""

from __future__ import annotations

import collections
import email.parser
import email.policy
import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from kairos_e2e.money import MONEY, RELEASED, SEATS, Oracle, Told, audit

PENDING_PAYMENT = ("creating", "verified", "capturing", "voiding", "cancelling")
VERIFIED_REACHED = ("verified", "capturing", "captured", "voiding", "voided")


@dataclass
class Check:
    name: str
    ok: bool
    checked: int = 0  # how many rows/items it looked at
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # seen and reported, not violations

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        head = f"[{mark}] {self.name} ({self.checked} checked)"
        return (
            head
            + "".join(f"\n         - {p}" for p in self.problems[:8])
            + "".join(f"\n         note: {n}" for n in self.notes[:8])
        )


def _check(name: str, checked: int, problems: list[str]) -> Check:
    return Check(name, not problems, checked, problems)


def plain_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def _data(payload: Any) -> dict[str, Any]:
    env = json.loads(payload) if isinstance(payload, str) else payload
    return dict(env.get("data", env))


# -- booking ------------------------------------------------------------------------------


async def check_capacity(booking: asyncpg.Connection) -> Check:
    """No occurrence holds more confirmed bookings than its offering's capacity."""
    rows = await booking.fetch(
        """SELECT b.offering_id, b.starts_at, o.capacity, count(*) AS n
             FROM bookings b JOIN offerings o USING (offering_id)
            WHERE b.status = 'confirmed'
            GROUP BY b.offering_id, b.starts_at, o.capacity"""
    )
    bad = [
        f"offering {r['offering_id']} at {r['starts_at']}: {r['n']} > capacity {r['capacity']}"
        for r in rows
        if r["n"] > r["capacity"]
    ]
    return _check("no slot over capacity", len(rows), bad)


async def check_seat_counters(booking: asyncpg.Connection) -> Check:
    """slot_seats.taken = confirmed bookings + live holds of that occurrence, <= capacity."""
    rows = await booking.fetch(
        """SELECT s.offering_id, s.starts_at, s.taken, o.capacity,
                  (SELECT count(*) FROM bookings b WHERE b.offering_id = s.offering_id
                      AND b.starts_at = s.starts_at AND b.status = 'confirmed') AS confirmed,
                  (SELECT count(*) FROM holds h WHERE h.offering_id = s.offering_id
                      AND h.starts_at = s.starts_at AND h.status = 'held') AS held
             FROM slot_seats s JOIN offerings o USING (offering_id)"""
    )
    bad = [
        f"offering {r['offering_id']} at {r['starts_at']}: taken {r['taken']}, confirmed "
        f"{r['confirmed']} + held {r['held']}, capacity {r['capacity']}"
        for r in rows
        if r["taken"] != r["confirmed"] + r["held"] or r["taken"] > r["capacity"]
    ]
    return _check("seat counters match bookings + live holds", len(rows), bad)


# -- booking x payments -------------------------------------------------------------------


async def check_payment_outcomes(
    booking: asyncpg.Connection, payments: asyncpg.Connection
) -> Check:
    """Every verified one-time payment ends as exactly one booking (captured) or one
    void/refund; no payment is left half-way; a payment never verified decides nothing."""
    pays = await payments.fetch(
        "SELECT payment_id, method, status, amount_minor, refunded_minor FROM payments"
    )
    decisions = {
        r["payment_id"]: r
        for r in await booking.fetch("SELECT payment_id, outcome, reason FROM payment_decisions")
    }
    per_payment = collections.Counter(
        r["payment_id"]
        for r in await booking.fetch(
            "SELECT payment_id FROM bookings WHERE subscription_id IS NULL"
        )
    )
    bad: list[str] = []
    for p in pays:
        pid, status = p["payment_id"], p["status"]
        d = decisions.get(pid)
        n = per_payment.get(pid, 0)
        if status in PENDING_PAYMENT:
            bad.append(f"payment {pid} ({p['method']}) still {status}")
            continue
        if status in VERIFIED_REACHED:
            if d is None:
                bad.append(f"payment {pid} {status} but booking never decided it")
            elif d["outcome"] == "booked" and (n != 1 or status != "captured"):
                bad.append(f"payment {pid} booked: {n} bookings, payment {status}")
            elif d["outcome"] == "rejected" and (
                n != 0
                or not (
                    status == "voided"
                    or (status == "captured" and p["refunded_minor"] >= p["amount_minor"])
                )
            ):
                bad.append(f"payment {pid} rejected ({d['reason']}): {n} bookings, {status}")
        elif d is not None or n:
            bad.append(f"payment {pid} {status} (never verified) has decision/bookings {n}")
    return _check("every verified payment: one booking or one void/refund", len(pays), bad)


async def check_bookings_paid(booking: asyncpg.Connection, payments: asyncpg.Connection) -> Check:
    """Every booking and every decision refers to a payment payments knows as verified."""
    known = {
        r["payment_id"]: r["status"]
        for r in await payments.fetch("SELECT payment_id, status FROM payments")
    }
    cycles = {
        r["payment_id"] for r in await payments.fetch("SELECT payment_id FROM subscription_cycles")
    }
    rows = await booking.fetch(
        """SELECT b.booking_id, b.payment_id, b.subscription_id, d.outcome
             FROM bookings b LEFT JOIN payment_decisions d USING (payment_id)"""
    )
    bad: list[str] = []
    for r in rows:
        pid = r["payment_id"]
        if r["outcome"] is None:
            bad.append(f"booking {r['booking_id']} has no payment decision")
        elif r["subscription_id"] is not None:
            if pid not in cycles:
                bad.append(f"session {r['booking_id']}: payment {pid} is no paid cycle")
        elif known.get(pid) not in VERIFIED_REACHED:
            bad.append(f"booking {r['booking_id']}: payment {pid} is {known.get(pid)}")
    return _check("no booking without a verified payment", len(rows), bad)


async def check_money(
    booking: asyncpg.Connection,
    payments: asyncpg.Connection,
    stripe: tuple[str, str] | None = None,
) -> Check:
    """Money kept (captured - refunded) for one-time card payments equals the confirmed paid
    card bookings' amounts minus their refunds, in payments and in Stripe."""
    pays = await payments.fetch(
        """SELECT payment_id, status, amount_minor, refunded_minor, stripe_payment_intent_id
             FROM payments WHERE method = 'card'"""
    )
    kept = sum(p["amount_minor"] - p["refunded_minor"] for p in pays if p["status"] == "captured")
    owed = await booking.fetchval(
        """SELECT coalesce(sum(amount_minor - coalesce(refund_amount_minor, 0)), 0)
             FROM bookings WHERE payment_method = 'card' AND subscription_id IS NULL
              AND status IN ('confirmed', 'cancelled')"""
    )
    bad: list[str] = []
    if kept != owed:
        bad.append(f"payments keep {kept} minor units, bookings say {owed}")
    pending = await payments.fetchval("SELECT count(*) FROM refunds WHERE status <> 'succeeded'")
    if pending:
        bad.append(f"{pending} refunds not succeeded")
    if stripe is not None:
        api, key = stripe
        in_stripe = 0
        async with httpx.AsyncClient(base_url=api, auth=(key, ""), timeout=20) as http:
            for p in pays:
                if not p["stripe_payment_intent_id"]:
                    continue
                pi = (await http.get(f"/v1/payment_intents/{p['stripe_payment_intent_id']}")).json()
                if p["status"] == "captured":
                    if pi.get("status") != "succeeded":
                        bad.append(f"payment {p['payment_id']} captured, Stripe {pi.get('status')}")
                        continue
                    charge = pi.get("latest_charge")
                    if not isinstance(charge, dict):
                        charge = (await http.get(f"/v1/charges/{charge}")).json()
                    in_stripe += int(charge["amount"]) - int(charge.get("amount_refunded") or 0)
                elif p["status"] in ("voided", "cancelled") and pi.get("status") not in (
                    "canceled",
                    "requires_payment_method",
                ):
                    bad.append(
                        f"payment {p['payment_id']} {p['status']}, Stripe {pi.get('status')}"
                    )
        if in_stripe != kept:
            bad.append(f"Stripe keeps {in_stripe} minor units, payments {kept}")
    return _check("captured money = confirmed paid card bookings", len(pays), bad)


async def check_credits(payments: asyncpg.Connection) -> Check:
    """No balance below zero, ever (ledger), and each balance equals its ledger's sum."""
    rows = await payments.fetch(
        """SELECT b.user_id, b.balance,
                  (SELECT coalesce(sum(delta), 0) FROM credit_ledger l WHERE l.user_id = b.user_id)
                      AS total,
                  (SELECT min(balance_after) FROM credit_ledger l WHERE l.user_id = b.user_id)
                      AS lowest
             FROM credit_balances b"""
    )
    bad = [
        f"user {r['user_id']}: balance {r['balance']}, ledger sum {r['total']}, lowest "
        f"{r['lowest']}"
        for r in rows
        if r["balance"] < 0 or r["balance"] != r["total"] or (r["lowest"] or 0) < 0
    ]
    orphans = await payments.fetchval(
        """SELECT count(DISTINCT user_id) FROM credit_ledger l
            WHERE NOT EXISTS (SELECT 1 FROM credit_balances b WHERE b.user_id = l.user_id)"""
    )
    if orphans:
        bad.append(f"{orphans} users with ledger entries and no balance")
    return _check("credits never negative, balance = ledger", len(rows), bad)


# -- messaging ----------------------------------------------------------------------------


async def check_outboxes(dbs: Mapping[str, asyncpg.Connection]) -> Check:
    bad = []
    for name, conn in dbs.items():
        n = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        if n:
            bad.append(f"{name}: {n} outbox rows unsent")
    return _check("no outbox row unsent", len(dbs), bad)


async def check_inboxes(dbs: Mapping[str, asyncpg.Connection]) -> Check:
    bad, seen = [], 0
    for name, conn in dbs.items():
        seen += await conn.fetchval("SELECT count(*) FROM inbox")
        for r in await conn.fetch(
            """SELECT consumer, event_id, count(*) AS n FROM inbox
                GROUP BY consumer, event_id HAVING count(*) > 1"""
        ):
            bad.append(f"{name}: {r['consumer']} handled {r['event_id']} {r['n']} times")
    return _check("no inbox duplicates", seen, bad)


async def check_projections(
    booking: asyncpg.Connection, calendar: asyncpg.Connection, attendance: asyncpg.Connection
) -> Check:
    """Consumers caught up: calendar-sync's and attendance's copies of every booking carry
    booking's own status and sequence."""
    truth = {
        r["booking_id"]: (r["status"], r["sequence"])
        for r in await booking.fetch("SELECT booking_id, status, sequence FROM bookings")
    }
    bad = []
    for name, conn, table in (
        ("calendar-sync", calendar, "bookings"),
        ("attendance", attendance, "sessions"),
    ):
        copy = {
            r["booking_id"]: (r["status"], r["sequence"])
            for r in await conn.fetch(f"SELECT booking_id, status, sequence FROM {table}")
        }
        for bid, want in truth.items():
            if copy.get(bid) != want:
                bad.append(f"{name}: booking {bid} is {copy.get(bid)}, booking says {want}")
    return _check("projections caught up with booking", len(truth), bad)


# -- restores: a reactivation brings back only what its unsubscribe cancelled -------------


async def check_restores(booking: asyncpg.Connection, payments: asyncpg.Connection) -> Check:
    """Every BookingRestored: a session cancelled as unsubscribed at/after the unsubscribe
    time its reactivation undid, dated today or later (provider's zone), not started."""
    # BookingRestored's causation id is the SubscriptionReactivated it handled.
    reacts: dict[str, tuple[str, datetime]] = {}
    for r in await payments.fetch(
        "SELECT payload FROM outbox WHERE event_type = 'SubscriptionReactivated'"
    ):
        env = r["payload"] if isinstance(r["payload"], dict) else json.loads(r["payload"])
        d = _data(env)
        reacts[str(env["event_id"])] = (
            str(d["subscription_id"]),
            datetime.fromisoformat(d["undoes_unsubscribed_at"]),
        )
    rows = await booking.fetch(
        """SELECT o.payload, b.subscription_id, p.time_zone, b.cancel_reason, b.status
             FROM outbox o
             JOIN bookings b ON b.booking_id = (o.payload->'data'->>'booking_id')::uuid
             JOIN providers p ON p.provider_id = b.provider_id
            WHERE o.event_type = 'BookingRestored'"""
    )
    bad: list[str] = []
    for r in rows:
        d = _data(r["payload"])
        bid = d["booking_id"]
        zone = ZoneInfo(r["time_zone"])
        restored_at = datetime.fromisoformat(d["restored_at"])
        cancelled_at = datetime.fromisoformat(d["previously_cancelled_at"])
        starts_at = datetime.fromisoformat(d["starts_at"])
        env = r["payload"] if isinstance(r["payload"], dict) else json.loads(r["payload"])
        cause = reacts.get(str(env.get("causation_id")))
        if d.get("cause") != "unsubscribe_undone":
            bad.append(f"{bid}: restored for {d.get('cause')}")
        if cause is None:
            bad.append(f"{bid}: restored by no SubscriptionReactivated ({env.get('causation_id')})")
        elif cause[0] != str(r["subscription_id"]):
            bad.append(
                f"{bid}: of {r['subscription_id']}, restored by a reactivation of {cause[0]}"
            )
        elif cancelled_at < cause[1]:
            bad.append(f"{bid}: cancelled {cancelled_at} before the undone time {cause[1]}")
        if starts_at.astimezone(zone).date() < restored_at.astimezone(zone).date():
            bad.append(f"{bid}: dated before the restore day")
        if starts_at <= restored_at:
            bad.append(f"{bid}: already started when restored")
    # and the converse: an active enrollment keeps no future session cancelled as
    # unsubscribed, unless its seat went to someone else (an occurrence rejection)
    missed = await booking.fetch(
        """SELECT b.booking_id FROM bookings b
             JOIN enrollments e USING (enrollment_id)
            WHERE e.status = 'active' AND b.status = 'cancelled'
              AND b.cancel_reason = 'unsubscribed' AND b.starts_at > now() + interval '5 min'
              AND e.unsubscribed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM occurrence_rejections r
                               WHERE r.booking_id = b.booking_id)"""
    )
    bad += [f"{r['booking_id']}: still unsubscribed-cancelled, enrollment active" for r in missed]
    return _check("restored bookings follow the restore rule", len(rows), bad)


# -- mail -------------------------------------------------------------------------------


async def check_mail(
    calendar: asyncpg.Connection, attendance: asyncpg.Connection, maildir: str | None
) -> Check:
    bad: list[str] = []
    # One mail per booking change and recipient (its kind says which change); reminders
    # (two per change and person) and receipts (keyed by payment) are check_reminders' and
    # the unique mail_key's.
    dup = await calendar.fetch(
        """SELECT booking_id, sequence, recipient, kind, count(*) AS n FROM email_outbox
            WHERE kind <> 'reminder' AND booking_id IS NOT NULL AND sequence IS NOT NULL
            GROUP BY 1, 2, 3, 4 HAVING count(*) > 1"""
    )
    bad += [f"calendar-sync queued {dict(r)} twice" for r in dup]
    dup = await attendance.fetch(
        "SELECT dedupe_key, count(*) AS n FROM email_outbox GROUP BY 1 HAVING count(*) > 1"
    )
    bad += [f"attendance queued {r['dedupe_key']} {r['n']} times" for r in dup]
    for name, conn in (("calendar-sync", calendar), ("attendance", attendance)):
        n = await conn.fetchval("SELECT count(*) FROM email_outbox WHERE sent_at IS NULL")
        if n:
            bad.append(f"{name}: {n} mails never sent")
    checked = await calendar.fetchval("SELECT count(*) FROM email_outbox")
    notes: list[str] = []
    if maildir:
        from kairos_localstack.smtp_sink import read_messages

        ids = collections.Counter(str(m.get("Message-ID", "")) for m in read_messages(maildir))
        checked += sum(ids.values())
        bad += [f"{n} delivered mails carry no Message-ID" for mid, n in ids.items() if not mid]
        # One notice = one Message-ID (derived from its key), so two *emails* for one notice
        # would show as two rows above. The same Message-ID twice is the one email re-sent
        # after a SIGKILL between the SMTP server's acceptance and our record of it: SMTP
        # cannot be in our transaction, so that window is at-least-once by nature and the
        # stable Message-ID is what lets mail clients show it once. Reported, not hidden.
        notes += [
            f"Message-ID {mid} delivered {n} times (re-sent after a crash; same Message-ID)"
            for mid, n in ids.items()
            if n > 1 and mid
        ]
    check = _check("no email sent twice (one Message-ID per notice)", checked, bad)
    check.notes = notes
    return check


# -- reminders ---------------------------------------------------------------------------

#: a reminder's mail key (its Message-ID without ``<..@kairos>``):
#: ``<booking>.<sequence>.reminder<minutes>.<recipient hash>``
REMINDER_KEY = re.compile(
    r"^<?(?P<booking>[0-9a-f-]{36})\.(?P<sequence>\d+)\.reminder(?P<minutes>\d+)"
    r"\.(?P<who>[0-9a-f]+)(?:@kairos>)?$"
)
#: A booking event's transaction stamps its inbox row with its start (now()), and commits a
#: moment later; a reminder the mail job had claimed before the commit may reach the SMTP
#: server within that moment. Sent later than this after a cancellation or reschedule was
#: applied is a violation; within it, a note.
APPLY_SKEW = timedelta(seconds=1)
REMINDER_CHECK = "no reminder for a cancelled session, none twice"
BOOKING_EVENTS = ("BookingConfirmed", "BookingRescheduled", "BookingCancelled", "BookingRestored")


@dataclass(frozen=True)
class ReminderSent:
    """One reminder that went out: delivered to the Maildir (``at``: the file's time) or
    marked sent by calendar-sync (``at``: sent_at)."""

    key: str  # mail_key
    at: datetime
    where: str  # "maildir" | "email_outbox"

    @property
    def parts(self) -> tuple[uuid.UUID, int, int, str] | None:
        m = REMINDER_KEY.match(self.key)
        if m is None:
            return None
        return uuid.UUID(m["booking"]), int(m["sequence"]), int(m["minutes"]), m["who"]


@dataclass(frozen=True)
class Step:
    """One Booking* event of a booking, and when calendar-sync applied it (its inbox row's
    received_at; None: never handled)."""

    sequence: int
    type: str
    starts_at: datetime | None
    applied_at: datetime | None


@dataclass(frozen=True)
class Projected:
    """calendar-sync's copy of a booking (``updated_at``: when its last event was applied)."""

    sequence: int
    status: str
    updated_at: datetime


def judge_reminders(
    sent: list[ReminderSent],
    history: Mapping[uuid.UUID, list[Step]],
    projection: Mapping[uuid.UUID, Projected],
    *,
    expect_some: bool = False,
) -> Check:
    """No reminder for a cancelled session, none twice (pure: the rows are read by
    ``check_reminders``).

    A reminder carries its booking's sequence: it is right only if the booking was live at
    that sequence when it went out, i.e. no later event (a cancellation, a reschedule, a
    restore) had been applied by calendar-sync (which takes back unsent reminder mails in
    that event's transaction) more than APPLY_SKEW before it was sent. Without the
    booking's events (booking's outbox purged), the projection's last applied event bounds
    it. Each (booking, recipient, minutes before, session start) goes out under one
    Message-ID; the same Message-ID delivered again is the mail job's at-least-once window
    (a crash between the SMTP server's acceptance and the mark) and is a note."""
    bad: list[str] = []
    notes: list[str] = []
    keys: set[str] = set()
    deliveries = collections.Counter(s.key for s in sent if s.where == "maildir")
    per_reminder: collections.defaultdict[tuple[uuid.UUID, str, int, object], set[str]]
    per_reminder = collections.defaultdict(set)
    for s in sorted(sent, key=lambda x: (x.key, x.at)):
        parts = s.parts
        if parts is None:
            bad.append(f"reminder {s.key} ({s.where}): not a reminder key")
            continue
        bid, seq, minutes, who = parts
        keys.add(s.key)
        steps = {st.sequence: st for st in history.get(bid, [])}
        proj = projection.get(bid)
        at_seq = steps.get(seq)
        starts_at = at_seq.starts_at if at_seq is not None else None
        # which session it was about: its start at that sequence (or, unknown, the sequence)
        per_reminder[(bid, who, minutes, starts_at or f"seq {seq}")].add(s.key)
        if at_seq is not None and at_seq.type == "BookingCancelled":
            bad.append(f"reminder {s.key} ({s.where}) for a cancelled session (seq {seq})")
            continue
        later = [
            (st.applied_at, st) for st in steps.values()
            if st.sequence > seq and st.applied_at is not None
        ]  # fmt: skip
        left_at: datetime | None
        if later:
            left_at, first = min(later, key=lambda pair: pair[0])
            why = f"{first.type} (seq {first.sequence})"
        elif proj is not None and proj.sequence > seq:
            left_at, why = proj.updated_at, f"seq {proj.sequence} ({proj.status})"
        elif proj is not None and proj.sequence == seq and proj.status != "confirmed":
            bad.append(f"reminder {s.key} ({s.where}): booking {proj.status} at seq {seq}")
            continue
        else:
            continue  # still live at that sequence
        if s.at > left_at + APPLY_SKEW:
            bad.append(
                f"reminder {s.key} ({s.where}) sent {s.at.isoformat()} after {why} was "
                f"applied at {left_at.isoformat()}"
            )
        elif s.at > left_at:
            notes.append(
                f"reminder {s.key} ({s.where}) sent {(s.at - left_at).total_seconds():.3f}s "
                f"after {why} was applied (claimed before that transaction committed)"
            )
    for (booking_id, _, lead, starts), ids in per_reminder.items():
        if len(ids) > 1:
            bad.append(
                f"booking {booking_id}: the {lead}-minute reminder for {starts} went out under "
                f"{len(ids)} Message-IDs: {sorted(ids)}"
            )
    notes += [
        f"reminder Message-ID <{key}@kairos> delivered {n} times (re-sent after a crash; "
        "same Message-ID)"
        for key, n in sorted(deliveries.items())
        if n > 1
    ]
    if expect_some and not keys:
        bad.append("vacuous: no reminder went out in a run of the normal length")
    check = _check(REMINDER_CHECK, len(keys), bad)
    check.notes = notes
    return check


def maildir_reminders(maildir: str) -> list[ReminderSent]:
    """Every reminder in the Maildir (new and cur), each delivery with its file's time."""
    out = []
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    for sub in ("new", "cur"):
        for path in (Path(maildir) / sub).glob("*"):
            if not path.is_file():
                continue
            with path.open("rb") as f:
                mid = str(parser.parse(f).get("Message-ID", "")).strip()
            m = REMINDER_KEY.match(mid)
            if m is None:
                continue
            at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            out.append(ReminderSent(mid.removeprefix("<").removesuffix("@kairos>"), at, "maildir"))
    return out


async def check_reminders(
    booking: asyncpg.Connection,
    calendar: asyncpg.Connection,
    maildir: str | None,
    *,
    expect_some: bool = False,
) -> Check:
    """judge_reminders over what the Maildir received and calendar-sync marked sent, the
    Booking* events in booking's outbox with calendar-sync's inbox times; and no reminder
    left planned for a cancelled booking."""
    sent = [
        ReminderSent(r["mail_key"], r["sent_at"], "email_outbox")
        for r in await calendar.fetch(
            """SELECT mail_key, sent_at FROM email_outbox
                WHERE kind = 'reminder' AND sent_at IS NOT NULL"""
        )
    ]
    if maildir:
        sent += maildir_reminders(maildir)
    applied = {
        r["event_id"]: r["at"]
        for r in await calendar.fetch(
            """SELECT event_id, min(received_at) AS at FROM inbox
                WHERE event_type = ANY($1::text[]) AND outcome = 'handled' GROUP BY 1""",
            list(BOOKING_EVENTS),
        )
    }
    history: dict[uuid.UUID, list[Step]] = collections.defaultdict(list)
    for r in await booking.fetch(
        "SELECT event_id, event_type, payload FROM outbox WHERE event_type = ANY($1::text[])",
        list(BOOKING_EVENTS),
    ):
        d = _data(r["payload"])
        starts = d.get("starts_at")
        history[uuid.UUID(str(d["booking_id"]))].append(
            Step(
                int(d["sequence"]),
                r["event_type"],
                datetime.fromisoformat(starts) if starts else None,
                applied.get(r["event_id"]),
            )
        )
    projection = {
        r["booking_id"]: Projected(r["sequence"], r["status"], r["updated_at"])
        for r in await calendar.fetch(
            "SELECT booking_id, sequence, status, updated_at FROM bookings"
        )
    }
    check = judge_reminders(sent, history, projection, expect_some=expect_some)
    left = await calendar.fetch(
        """SELECT r.booking_id, r.user_id, r.minutes_before FROM reminders r
             JOIN bookings b USING (booking_id)
            WHERE r.queued_at IS NULL AND b.status <> 'confirmed'"""
    )
    if left:
        check.problems += [f"reminder still planned for cancelled booking {dict(r)}" for r in left]
        check.ok = False
    return check


# -- attendance ---------------------------------------------------------------------------


async def check_attendance(attendance: asyncpg.Connection, ahead: timedelta | None) -> Check:
    """Marks and their audit agree: every mark has an audit trail ending in that mark; the
    sweep marked a session at most once and never over a join or a mentor's mark; with
    attendance's clock known, no live session long over is left unmarked."""
    bad: list[str] = []
    rows = await attendance.fetch(
        """SELECT s.booking_id, s.attended,
                  (SELECT a.after FROM attendance_audit a WHERE a.booking_id = s.booking_id
                    ORDER BY a.id DESC LIMIT 1) AS last_after,
                  (SELECT count(*) FROM attendance_audit a
                    WHERE a.booking_id = s.booking_id AND a.source = 'sweep') AS sweeps,
                  (SELECT count(*) FROM attendance_audit a WHERE a.booking_id = s.booking_id
                    AND a.source = 'sweep' AND a.before IS NOT NULL) AS sweeps_over_a_mark
             FROM sessions s"""
    )
    for r in rows:
        if r["attended"] is not None and r["last_after"] is not r["attended"]:
            bad.append(f"{r['booking_id']}: marked {r['attended']}, audit ends {r['last_after']}")
        if r["sweeps"] > 1:
            bad.append(f"{r['booking_id']}: swept {r['sweeps']} times")
        if r["sweeps_over_a_mark"]:
            bad.append(f"{r['booking_id']}: the sweep overrode a mark")
    if ahead is not None:
        # grace 15 min (the default) plus a minute for the sweep's interval
        left = await attendance.fetch(
            """SELECT booking_id FROM sessions WHERE status = 'confirmed' AND attended IS NULL
                AND ends_at < now() + $1::interval - interval '16 minutes'""",
            ahead,
        )
        bad += [f"{r['booking_id']}: over, never marked" for r in left]
    return _check("attendance marks match their audit; the sweep is exactly-once", len(rows), bad)


# -- calendars ----------------------------------------------------------------------------


async def check_calendars(calendar: asyncpg.Connection) -> Check:
    """Each CalDAV connection's calendar: one event per live booking of its user (status
    confirmed, booking's sequence), none live for a cancelled one."""
    from kairos_e2e.observe import parse_events

    bad: list[str] = []
    checked = 0
    conns = await calendar.fetch(
        "SELECT connection_id, user_id, calendar_url FROM connections WHERE kind = 'caldav'"
    )
    for c in conns:
        rows = await calendar.fetch(
            """SELECT booking_id, status, sequence FROM bookings
                WHERE provider_user_id = $1 OR mentee_user_id = $1""",
            c["user_id"],
        )
        user = c["calendar_url"].rstrip("/").split("/")[-2]
        async with httpx.AsyncClient(auth=(user, "any-password"), timeout=20) as dav:
            got = await dav.get(c["calendar_url"])
        if got.status_code != 200:
            bad.append(f"{c['calendar_url']}: GET answered {got.status_code}")
            continue
        events = parse_events(got.content)
        by_uid = collections.Counter(e.uid for e in events)
        latest = {e.uid: e for e in events}
        for r in rows:
            checked += 1
            uid = f"{r['booking_id']}@kairos"
            n = by_uid.get(uid, 0)
            ev = latest.get(uid)
            if r["status"] == "confirmed":
                if n != 1 or ev is None:
                    bad.append(f"{c['user_id']}: live booking {r['booking_id']} has {n} events")
                elif ev.status == "CANCELLED" or ev.sequence != r["sequence"]:
                    bad.append(
                        f"{c['user_id']}: booking {r['booking_id']} seq {r['sequence']} shows "
                        f"{ev.status} seq {ev.sequence}"
                    )
            elif ev is not None and ev.status != "CANCELLED":
                bad.append(f"{c['user_id']}: cancelled booking {r['booking_id']} still live")
    return _check("one calendar event per live booking per calendar", checked, bad)


# -- all ----------------------------------------------------------------------------------


async def check_all(
    urls: Mapping[str, str],
    *,
    stripe: tuple[str, str] | None = None,
    maildir: str | None = None,
    calendars: bool = True,
    dropped_webhooks: list[str] | None = None,
    attendance_ahead: timedelta | None = None,
    expect_reminders: bool = False,
) -> list[Check]:
    """Every invariant, given each service's database URL (state.json's services)."""
    conns = {name: await asyncpg.connect(plain_url(url)) for name, url in urls.items()}
    try:
        b, p = conns["booking"], conns["payments"]
        cal, att = conns["calendar-sync"], conns["attendance"]
        checks = [
            await check_capacity(b),
            await check_seat_counters(b),
            await check_payment_outcomes(b, p),
            await check_bookings_paid(b, p),
            await check_money(b, p, stripe),
            await check_credits(p),
            await check_outboxes(conns),
            await check_inboxes(conns),
            await check_projections(b, cal, att),
            await check_restores(b, p),
            await check_mail(cal, att, maildir),
            await check_reminders(b, cal, maildir, expect_some=expect_reminders),
            await check_attendance(att, attendance_ahead),
        ]
        if calendars:
            checks.append(await check_calendars(cal))
        if dropped_webhooks is not None:
            checks.append(await check_dropped_recovered(p, dropped_webhooks))
        return checks
    finally:
        for conn in conns.values():
            await conn.close()


async def check_dropped_recovered(payments: asyncpg.Connection, dropped: list[str]) -> Check:
    """Every webhook the relay dropped was found by reconciliation (webhook_events)."""
    seen = {
        r["event_id"]: r["via"]
        for r in await payments.fetch(
            "SELECT event_id, via FROM webhook_events WHERE event_id = ANY($1::text[])", dropped
        )
    }
    bad = [f"Stripe event {e} dropped and never recovered" for e in dropped if e not in seen]
    return _check("dropped webhooks recovered by reconciliation", len(dropped), bad)


# -- what the API told people -------------------------------------------------------------


def check_told(gateway_url: str, stripe_api: str, stripe_key: str, told: Told) -> list[Check]:
    """The money oracle (kairos_e2e.money) over what the workload was answered: read
    through the API and Stripe only, polled a while (webhooks may still be on their way)."""
    oracle = Oracle(gateway_url, stripe_api, stripe_key)
    try:
        until = time.monotonic() + 90
        while True:
            found = audit(oracle, told)
            if not any(found.values()) or time.monotonic() > until:
                break
            time.sleep(2.0)
    finally:
        oracle.close()
    sizes = {MONEY: len(told.people), RELEASED: len(told.released), SEATS: len(told.holds)}
    return [_check(name, sizes[name], problems) for name, problems in found.items()]
