"""Each invariant of the fault run can fail: a small consistent data set passes every check,
then one deliberate corruption at a time (inside a transaction, rolled back) must be
reported by the check that guards it. Real migrated service databases, no services."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import asyncpg
import pytest

from kairos_e2e.faults import invariants as inv
from kairos_localstack.postgres import PostgresServer, create_database, drop_database
from kairos_localstack.proc import run_sync

pytestmark = pytest.mark.integration

MODULES = {
    "booking": "kairos_booking",
    "payments": "kairos_payments",
    "attendance": "kairos_attendance",
    "calendar-sync": "kairos_calendar_sync",
}
NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW + timedelta(days=3)


@pytest.fixture(scope="module")
def urls(postgres_server: PostgresServer) -> Iterator[dict[str, str]]:
    out = {}
    names = {n: f"faults_{n.replace('-', '_')}_{uuid.uuid4().hex[:8]}" for n in MODULES}
    for name, module in MODULES.items():
        url = run_sync(partial(create_database, postgres_server.url(), names[name]))
        env = {**os.environ, "DATABASE_URL": url, "SERVICE_NAME": name}
        res = subprocess.run(
            [sys.executable, "-m", module, "migrate"], env=env, capture_output=True, timeout=120
        )
        assert res.returncode == 0, res.stderr.decode()[-2000:]
        out[name] = url
    yield out
    for dbname in names.values():
        with contextlib.suppress(Exception):
            run_sync(partial(drop_database, postgres_server.url(), dbname))


@pytest.fixture
async def db(urls: dict[str, str]) -> AsyncIterator[dict[str, asyncpg.Connection]]:
    """One connection per database, each inside a transaction rolled back afterwards."""
    conns = {n: await asyncpg.connect(inv.plain_url(u)) for n, u in urls.items()}
    txs = [c.transaction() for c in conns.values()]
    for tx in txs:
        await tx.start()
    try:
        await _seed(conns)
        yield conns
    finally:
        for tx in txs:
            await tx.rollback()
        for c in conns.values():
            await c.close()


PROVIDER, OFFERING, MENTOR = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


async def _book(
    b: asyncpg.Connection,
    payment: uuid.UUID,
    *,
    outcome: str = "booked",
    starts_at: datetime = START,
    subscription_id: uuid.UUID | None = None,
) -> uuid.UUID:
    booking = uuid.uuid4()
    await b.execute("SELECT set_config('kairos.verifying_payment', $1, true)", str(payment))
    await b.execute(
        "INSERT INTO payment_decisions (payment_id, outcome, booking_id) VALUES ($1, $2, $3)",
        payment,
        outcome,
        booking,
    )
    await b.execute(
        """INSERT INTO bookings (booking_id, offering_id, provider_id, mentee_id, starts_at,
               ends_at, payment_id, payment_method, amount_minor, currency, status,
               subscription_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'card', 4500, 'EUR', 'confirmed', $8)""",
        booking,
        OFFERING,
        PROVIDER,
        uuid.uuid4(),
        starts_at,
        starts_at + timedelta(hours=1),
        payment,
        subscription_id,
    )
    return booking


async def _pay(p: asyncpg.Connection, payment: uuid.UUID, status: str = "captured") -> None:
    await p.execute(
        """INSERT INTO payments (payment_id, hold_id, method, mentee_id, offering_id,
               amount_minor, currency, status)
           VALUES ($1, $2, 'card', $3, $4, 4500, 'EUR', $5)""",
        payment,
        uuid.uuid4(),
        uuid.uuid4(),
        OFFERING,
        status,
    )


async def _project(conns: dict[str, asyncpg.Connection], booking: uuid.UUID, seq: int) -> None:
    await conns["calendar-sync"].execute(
        """INSERT INTO bookings (booking_id, sequence, status, title, starts_at, ends_at,
               time_zone, provider_user_id, mentee_user_id)
           VALUES ($1, $2, 'confirmed', 't', $3, $4, 'UTC', $5, $6)""",
        booking,
        seq,
        START,
        START + timedelta(hours=1),
        MENTOR,
        uuid.uuid4(),
    )
    await conns["attendance"].execute(
        """INSERT INTO sessions (booking_id, sequence, status, offering_id, title, provider_id,
               provider_user_id, mentee_user_id, time_zone, starts_at, ends_at)
           VALUES ($1, $2, 'confirmed', $3, 't', $4, $5, $6, 'UTC', $7, $8)""",
        booking,
        seq,
        OFFERING,
        PROVIDER,
        MENTOR,
        uuid.uuid4(),
        START,
        START + timedelta(hours=1),
    )


async def _seed(conns: dict[str, asyncpg.Connection]) -> None:
    """One provider, one offering of capacity 1, one paid confirmed booking, projected."""
    b, p = conns["booking"], conns["payments"]
    await b.execute(
        """INSERT INTO providers (provider_id, user_id, display_name, time_zone)
           VALUES ($1, $2, 'Ada', 'Europe/Madrid')""",
        PROVIDER,
        MENTOR,
    )
    await b.execute(
        """INSERT INTO offerings (offering_id, provider_id, title, duration_min, price_minor,
               currency, capacity, buffer_before_min, buffer_after_min, min_notice_min,
               horizon_days, refund_full_hours_before)
           VALUES ($1, $2, 't', 60, 4500, 'EUR', 1, 0, 0, 0, 60, 24)""",
        OFFERING,
        PROVIDER,
    )
    payment = uuid.uuid4()
    booking = await _book(b, payment)
    await b.execute(
        """INSERT INTO slot_seats (offering_id, starts_at, provider_id, ends_at, block_start,
               block_end, taken) VALUES ($1, $2, $3, $4, $2, $4, 1)""",
        OFFERING,
        START,
        PROVIDER,
        START + timedelta(hours=1),
    )
    await _pay(p, payment)
    await _project(conns, booking, 0)


async def _all_ok(conns: dict[str, asyncpg.Connection]) -> None:
    b, p = conns["booking"], conns["payments"]
    checks = [
        await inv.check_capacity(b),
        await inv.check_seat_counters(b),
        await inv.check_payment_outcomes(b, p),
        await inv.check_bookings_paid(b, p),
        await inv.check_money(b, p),
        await inv.check_credits(p),
        await inv.check_outboxes(conns),
        await inv.check_inboxes(conns),
        await inv.check_projections(b, conns["calendar-sync"], conns["attendance"]),
        await inv.check_restores(b, p),
        await inv.check_mail(conns["calendar-sync"], conns["attendance"], None),
        await inv.check_reminders(b, conns["calendar-sync"], None),
        await inv.check_attendance(conns["attendance"], timedelta(0)),
        await inv.check_dropped_recovered(p, []),
    ]
    assert all(c.ok for c in checks), [c.line() for c in checks if not c.ok]


async def test_consistent_data_passes_every_check(db: dict[str, asyncpg.Connection]) -> None:
    await _all_ok(db)


async def test_booking_over_capacity_is_reported(db: dict[str, asyncpg.Connection]) -> None:
    b, p = db["booking"], db["payments"]
    payment = uuid.uuid4()
    await _book(b, payment)  # a second confirmed booking in a slot of capacity 1
    await _pay(p, payment)
    got = await inv.check_capacity(b)
    assert not got.ok and "2 > capacity 1" in got.problems[0]
    assert not (await inv.check_seat_counters(b)).ok


async def test_verified_payment_without_outcome_is_reported(
    db: dict[str, asyncpg.Connection],
) -> None:
    await _pay(db["payments"], uuid.uuid4(), status="voided")  # voided, never decided
    got = await inv.check_payment_outcomes(db["booking"], db["payments"])
    assert not got.ok and "never decided" in got.problems[0]
    await _pay(db["payments"], uuid.uuid4(), status="capturing")
    got = await inv.check_payment_outcomes(db["booking"], db["payments"])
    assert any("still capturing" in x for x in got.problems)


async def test_booking_without_payment_is_reported(db: dict[str, asyncpg.Connection]) -> None:
    await _book(db["booking"], uuid.uuid4(), starts_at=START + timedelta(days=1))
    got = await inv.check_bookings_paid(db["booking"], db["payments"])
    assert not got.ok and "is None" in got.problems[0]


async def test_money_mismatch_is_reported(db: dict[str, asyncpg.Connection]) -> None:
    await db["payments"].execute("UPDATE payments SET refunded_minor = 500")
    got = await inv.check_money(db["booking"], db["payments"])
    assert not got.ok and "payments keep 4000" in got.problems[0]


async def test_credit_ledger_mismatch_is_reported(db: dict[str, asyncpg.Connection]) -> None:
    user = uuid.uuid4()
    p = db["payments"]
    await p.execute("INSERT INTO credit_balances (user_id, balance) VALUES ($1, 5)", user)
    await p.execute(
        """INSERT INTO credit_ledger (user_id, delta, balance_after, reason, reference)
           VALUES ($1, 5, 5, 'purchase', $2)""",
        user,
        uuid.uuid4(),
    )
    assert (await inv.check_credits(p)).ok
    await p.execute(
        """INSERT INTO credit_ledger (user_id, delta, balance_after, reason, reference)
           VALUES ($1, -6, -1, 'payment', $2)""",
        user,
        uuid.uuid4(),
    )
    got = await inv.check_credits(p)
    assert not got.ok and "lowest -1" in got.problems[0]


async def _outbox(conn: asyncpg.Connection, etype: str, env: dict[str, object]) -> None:
    await conn.execute(
        """INSERT INTO outbox (event_id, topic, key, bucket, event_type, payload, sent_at)
           VALUES ($1, 't', 'k', 0, $2, $3::jsonb, now())""",
        uuid.UUID(str(env["event_id"])),
        etype,
        json.dumps(env),
    )


async def test_unsent_outbox_and_inbox_duplicate_are_reported(
    db: dict[str, asyncpg.Connection],
) -> None:
    await _outbox(db["attendance"], "X", {"event_id": str(uuid.uuid4()), "data": {}})
    assert (await inv.check_outboxes(db)).ok
    await db["attendance"].execute("UPDATE outbox SET sent_at = NULL")
    got = await inv.check_outboxes(db)
    assert got.problems == ["attendance: 1 outbox rows unsent"]

    c = db["calendar-sync"]
    await c.execute("ALTER TABLE inbox DROP CONSTRAINT pk_inbox")  # rolled back afterwards
    event = uuid.uuid4()
    for _ in range(2):
        await c.execute(
            "INSERT INTO inbox (consumer, event_id, event_type) VALUES ('cal', $1, 'X')", event
        )
    got = await inv.check_inboxes(db)
    assert not got.ok and "2 times" in got.problems[0]


async def test_stale_projection_is_reported(db: dict[str, asyncpg.Connection]) -> None:
    await db["booking"].execute("UPDATE bookings SET sequence = 1")
    got = await inv.check_projections(db["booking"], db["calendar-sync"], db["attendance"])
    assert not got.ok and len(got.problems) == 2  # both copies behind


async def test_restore_outside_seed_000_rule_is_reported(
    db: dict[str, asyncpg.Connection],
) -> None:
    b, p = db["booking"], db["payments"]
    sub, react = uuid.uuid4(), uuid.uuid4()
    undone = NOW - timedelta(minutes=10)
    starts = START + timedelta(days=2)
    session = await _book(b, uuid.uuid4(), subscription_id=sub, starts_at=starts)
    await _outbox(
        p,
        "SubscriptionReactivated",
        {
            "event_id": str(react),
            "data": {"subscription_id": str(sub), "undoes_unsubscribed_at": undone.isoformat()},
        },
    )

    async def restored(cancelled_at: datetime) -> inv.Check:
        await b.execute("DELETE FROM outbox")
        await _outbox(
            b,
            "BookingRestored",
            {
                "event_id": str(uuid.uuid4()),
                "causation_id": str(react),
                "data": {
                    "booking_id": str(session),
                    "cause": "unsubscribe_undone",
                    "restored_at": NOW.isoformat(),
                    "previously_cancelled_at": cancelled_at.isoformat(),
                    "starts_at": starts.isoformat(),
                },
            },
        )
        return await inv.check_restores(b, p)

    assert (await restored(undone)).ok
    got = await restored(undone - timedelta(seconds=1))  # cancelled before the unsubscribe
    assert not got.ok and "before the undone time" in got.problems[0]


async def test_mail_twice_and_dropped_webhook_are_reported(
    db: dict[str, asyncpg.Connection], tmp_path: Path
) -> None:
    (tmp_path / "new").mkdir()
    for i in range(2):
        (tmp_path / "new" / f"m{i}").write_bytes(
            b"Message-ID: <same@kairos>\r\nTo: a@example.org\r\nSubject: s\r\n\r\nhi\r\n"
        )
    # The same Message-ID twice is the one mail re-sent after a crash: reported, not failed.
    got = await inv.check_mail(db["calendar-sync"], db["attendance"], str(tmp_path))
    assert got.ok and "delivered 2 times" in got.notes[0], got.line()
    # A delivered mail without a Message-ID cannot be told apart: a violation.
    (tmp_path / "new" / "m3").write_bytes(b"To: a@example.org\r\nSubject: s\r\n\r\nhi\r\n")
    got = await inv.check_mail(db["calendar-sync"], db["attendance"], str(tmp_path))
    assert not got.ok and "carry no Message-ID" in got.problems[0], got.line()

    got = await inv.check_dropped_recovered(db["payments"], ["evt_lost"])
    assert got.problems == ["Stripe event evt_lost dropped and never recovered"]
    await db["payments"].execute(
        """INSERT INTO webhook_events (event_id, type, created, via)
           VALUES ('evt_lost', 'invoice.paid', 0, 'reconciliation')"""
    )
    assert (await inv.check_dropped_recovered(db["payments"], ["evt_lost"])).ok


async def test_reminder_after_a_cancellation_or_left_planned_is_reported(
    db: dict[str, asyncpg.Connection],
) -> None:
    """The reminder check's queries (judge_reminders' logic: test_reminder_invariant): a
    reminder marked sent after calendar-sync applied the cancellation, and one still
    planned for the cancelled booking."""
    b, cal = db["booking"], db["calendar-sync"]
    (booking,) = [r[0] for r in await cal.fetch("SELECT booking_id FROM bookings")]
    events = {}
    for seq, etype in ((1, "BookingConfirmed"), (2, "BookingCancelled")):
        events[seq] = uuid.uuid4()
        data = {"booking_id": str(booking), "sequence": seq, "starts_at": START.isoformat()}
        await _outbox(b, etype, {"event_id": str(events[seq]), "data": data})
        await cal.execute(
            """INSERT INTO inbox (consumer, event_id, event_type, received_at)
               VALUES ('calendar-sync', $1, $2, now() - $3::interval)""",
            events[seq],
            etype,
            timedelta(minutes=10 - seq),  # confirmed 9 min ago, cancelled 8 min ago
        )
    await cal.execute("UPDATE bookings SET sequence = 2, status = 'cancelled'")
    mail = """INSERT INTO email_outbox (mail_key, kind, booking_id, sequence, recipient,
                  subject, body_text, body_html, sent_at)
              VALUES ($1, 'reminder', $2, 1, 'a@example.org', 's', 't', 'h',
                      now() - $3::interval)"""
    await cal.execute(mail, f"{booking}.1.reminder1440.0123456789ab", booking, timedelta(minutes=9))
    got = await inv.check_reminders(b, cal, None, expect_some=True)
    assert got.ok and got.checked == 1, got.line()  # sent before the cancellation
    await cal.execute(mail, f"{booking}.1.reminder60.0123456789ab", booking, timedelta(minutes=1))
    got = await inv.check_reminders(b, cal, None)
    assert not got.ok and "after BookingCancelled (seq 2) was applied" in got.problems[0]
    await cal.execute("DELETE FROM email_outbox WHERE mail_key LIKE '%reminder60%'")
    await cal.execute(
        """INSERT INTO reminders (booking_id, user_id, minutes_before, sequence, starts_at,
               due_at) VALUES ($1, $2, 60, 1, $3, $4)""",
        booking,
        MENTOR,
        START,
        START - timedelta(hours=1),
    )
    got = await inv.check_reminders(b, cal, None)
    assert not got.ok and "still planned for cancelled booking" in got.problems[0], got.line()


async def test_attendance_marks_without_audit_or_swept_twice_or_left_are_reported(
    db: dict[str, asyncpg.Connection],
) -> None:
    att = db["attendance"]
    (booking,) = [r[0] for r in await att.fetch("SELECT booking_id FROM sessions")]
    audit = """INSERT INTO attendance_audit (booking_id, changed_by, changed_at, before, after,
                   source) VALUES ($1, 'system', now(), $2, $3, $4)"""
    # Over long ago (to a clock two days ahead) and never marked.
    got = await inv.check_attendance(att, timedelta(days=3650))
    assert not got.ok and "over, never marked" in got.problems[0], got.line()
    # Marked absent with no audit trail.
    await att.execute("UPDATE sessions SET attended = false, marked_by = 'system'")
    got = await inv.check_attendance(att, None)
    assert not got.ok and "audit ends None" in got.problems[0], got.line()
    # The audit says joined, then the sweep over it, twice.
    await att.execute(audit, booking, None, True, "join")
    await att.execute(audit, booking, True, False, "sweep")
    await att.execute(audit, booking, False, False, "sweep")
    problems = (await inv.check_attendance(att, None)).problems
    assert any("swept 2 times" in p for p in problems), problems
    assert any("the sweep overrode a mark" in p for p in problems), problems
