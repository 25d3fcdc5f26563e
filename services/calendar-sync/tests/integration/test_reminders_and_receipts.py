"""Reminders, confirmations and receipts on a real PostgreSQL and the real SMTP sink, with
a clock the test moves (the service reads ``now`` only from it)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import text

from kairos_calendar_sync.adapters.smtp import outgoing
from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.domain.mails import Topic
from kairos_calendar_sync.service_layer.ports import CalendarUow
from kairos_calendar_sync.service_layer.reminders import queue_due_reminders
from kairos_contracts import Envelope
from kairos_contracts.events.booking import BookingCancelled, BookingRescheduled
from kairos_contracts.events.payments import (
    CreditsPurchased,
    PaymentCaptured,
    PaymentRefunded,
    PaymentVerified,
)
from kairos_contracts.examples import CYCLE, example
from kairos_contracts.types import PaymentMethod, Person, Provider
from kairos_localstack.smtp_sink import SmtpSink
from kairos_platform.mail import SmtpMailer, send_once
from kairos_platform.messaging.consumer import Outcome
from kairos_platform.testing_services import eventually

from .conftest import Cal, confirmed, follow, open_cal, people, settings_for

pytestmark = pytest.mark.integration

START = datetime(2030, 6, 3, 16, 0, tzinfo=UTC)  # 18:00 in Madrid, 12:00 in New York


@dataclass
class MovableClock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
async def clock() -> MovableClock:
    return MovableClock(START - timedelta(days=3))


@pytest.fixture
async def cal(
    fresh_database: str, keypair: tuple[bytes, bytes], smtp_sink: SmtpSink, clock: MovableClock
) -> AsyncIterator[Cal]:
    settings = settings_for(
        fresh_database,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_sink.port),
        PUBLIC_URL="https://kairos.example",
    )
    c = await open_cal(fresh_database, keypair, settings=settings, clock=clock)
    yield c
    await c.client.aclose()
    await c.service.engine.dispose()


async def _queue_reminders(cal: Cal) -> int:
    n = 0
    while found := await queue_due_reminders(cal.uows, cal.ctx.composer, 100):
        n += found
    return n


async def _send(cal: Cal, sink: SmtpSink) -> None:
    mailer = SmtpMailer("127.0.0.1", sink.port or 0, "Kairos <calendar@kairos.local>", outgoing)
    while await send_once(cal.uows, mailer, cal.ctx.mail_policy):
        pass


def _to(sink: SmtpSink, address: str | None) -> list[EmailMessage]:
    return [m for m in sink.messages() if m["To"] == address]


def _titled(mails: list[EmailMessage], prefix: str) -> list[EmailMessage]:
    return [m for m in mails if str(m["Subject"]).strip().startswith(prefix)]


def _header(m: EmailMessage, name: str) -> str:
    return str(m[name]).strip()


def _text(m: EmailMessage) -> str:
    body = m.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def _kinds(cal: Cal, booking_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = await cal.rows(
        "SELECT kind, recipient FROM email_outbox WHERE booking_id = :b ORDER BY id",
        b=booking_id,
    )
    return [(r.kind, r.recipient) for r in rows]


def _pair() -> tuple[Provider, Person]:
    return people()


async def test_a_booking_gets_both_reminders_at_their_instants_in_each_readers_zone(
    cal: Cal, clock: MovableClock, smtp_sink: SmtpSink
) -> None:
    provider, mentee = _pair()
    b = confirmed(provider, mentee, starts_at=START, ends_at=START + timedelta(hours=1))
    await cal.deliver(b)
    # the mentee lives in New York and reads Spanish; the mentor never said (Madrid, English)
    async with cal.uows() as uow:
        await uow.people.choose(
            mentee.user_id,
            time_zone="America/New_York",
            locale="es_ES",
            unsubscribed=frozenset(),
            at=clock.at,
        )
        await uow.commit()
    assert await _queue_reminders(cal) == 0  # nothing due three days ahead

    clock.at = START - timedelta(hours=24, seconds=1)
    assert await _queue_reminders(cal) == 0  # a second early
    clock.at = START - timedelta(hours=24)
    assert await _queue_reminders(cal) == 2  # the 24-hour one, to each
    clock.at = START - timedelta(hours=1, seconds=1)
    assert await _queue_reminders(cal) == 0
    clock.at = START - timedelta(hours=1)
    assert await _queue_reminders(cal) == 2
    await _send(cal, smtp_sink)
    await _send(cal, smtp_sink)

    # one SMTP session sent them all: the Maildir's order among them is not theirs
    [confirmation] = _titled(_to(smtp_sink, mentee.email), "Confirmed:")
    reminders = _titled(_to(smtp_sink, mentee.email), "Reminder:")
    assert len(reminders) == 2, [m["Subject"] for m in reminders]
    mentee_text = _text(reminders[0])
    assert "12:00" in mentee_text and "America/New_York" in mentee_text  # her zone first
    assert "18:00" in mentee_text and "Europe/Madrid" in mentee_text  # the mentor's beside it
    assert b.meeting_url and b.meeting_url in mentee_text
    for m in reminders:
        # the join link is in the text; the session rides along for any calendar
        [invite] = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
        ics = invite.get_payload(decode=True)
        assert isinstance(ics, bytes) and f"UID:{b.booking_id}@kairos" in ics.decode()
        assert _header(m, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        unsubscribe = _header(m, "List-Unsubscribe")
        assert unsubscribe.startswith("<https://kairos.example/api/calendar/unsubscribe/")
    assert [p.get_content_type() for p in confirmation.walk()].count("text/calendar") == 1
    mentor_mails = _to(smtp_sink, provider.email)
    assert len(mentor_mails) == 3
    mentor_text = _text(_titled(mentor_mails, "Reminder:")[0])  # English, 12-hour, Madrid
    assert "6:00" in mentor_text and "PM" in mentor_text and "Europe/Madrid" in mentor_text
    assert "America/New_York" not in mentor_text


async def test_a_reschedule_moves_the_reminders_and_a_cancellation_ends_them(
    cal: Cal, clock: MovableClock, smtp_sink: SmtpSink
) -> None:
    provider, mentee = _pair()
    b = confirmed(provider, mentee, starts_at=START, ends_at=START + timedelta(hours=1))
    await cal.deliver(b)
    clock.at = START - timedelta(hours=24)
    assert await _queue_reminders(cal) == 2  # queued, not sent yet
    later = START + timedelta(days=2)
    moved = follow(
        BookingRescheduled,
        b,
        1,
        starts_at=later,
        ends_at=later + timedelta(hours=1),
        previous_starts_at=b.starts_at,
        previous_ends_at=b.ends_at,
    )
    await cal.deliver(moved)
    # the reminders queued for the old time are taken back before they went
    assert [k for k, _ in await _kinds(cal, b.booking_id)].count("reminder") == 0
    clock.at = START - timedelta(hours=1)
    assert await _queue_reminders(cal) == 0  # the old time means nothing now
    clock.at = later - timedelta(hours=24)
    assert await _queue_reminders(cal) == 2

    await cal.deliver(follow(BookingCancelled, b, 2, starts_at=later, ends_at=moved.ends_at))
    clock.at = later - timedelta(minutes=30)
    assert await _queue_reminders(cal) == 0
    await _send(cal, smtp_sink)
    mails = _to(smtp_sink, mentee.email)
    subjects = [str(m["Subject"]) for m in mails]
    assert len(mails) == 3, subjects  # confirmed, rescheduled, cancelled: no reminder at all
    rows = await cal.rows("SELECT count(*) AS n FROM reminders WHERE queued_at IS NULL")
    assert rows[0].n == 0


async def test_two_reminder_jobs_at_once_queue_each_reminder_once(
    cal: Cal, clock: MovableClock
) -> None:
    bookings = []
    for _ in range(30):
        provider, mentee = _pair()
        b = confirmed(provider, mentee, starts_at=START, ends_at=START + timedelta(hours=1))
        bookings.append(b)
        await cal.deliver(b)
    clock.at = START - timedelta(minutes=59)  # both offsets due at once
    counts = await asyncio.gather(
        *(queue_due_reminders(cal.uows, cal.ctx.composer, 7) for _ in range(2))
    )
    counts += [await _queue_reminders(cal)]
    assert sum(counts) == 30 * 2 * 2  # each settled once...
    rows = await cal.rows(
        "SELECT mail_key, count(*) AS n FROM email_outbox WHERE kind = 'reminder' GROUP BY 1"
    )
    # ...and late together, only the 1-hour one of each person and session became a mail
    assert len(rows) == 30 * 2 and all(r.n == 1 for r in rows)
    outcomes = await cal.rows("SELECT outcome, count(*) AS n FROM reminders GROUP BY 1")
    assert {(r.outcome, r.n) for r in outcomes} == {("queued", 60), ("superseded", 60)}


async def test_a_reminder_due_while_down_goes_unless_the_session_started(
    cal: Cal, clock: MovableClock
) -> None:
    provider, mentee = _pair()
    later = confirmed(provider, mentee, starts_at=START, ends_at=START + timedelta(hours=1))
    early_start = START - timedelta(minutes=20)
    early = confirmed(
        provider, mentee, starts_at=early_start, ends_at=early_start + timedelta(hours=1)
    )
    await cal.deliver(later)
    await cal.deliver(early)
    # nobody ran the job from three days ahead until ten minutes before ``later``
    clock.at = START - timedelta(minutes=10)
    assert await _queue_reminders(cal) == 8
    # late, but before its start: ``later``'s nearest (1 hour) goes to each, the 24-hour
    # ones it supersedes do not; ``early`` began, so none of its
    assert [k for k, _ in await _kinds(cal, later.booking_id)].count("reminder") == 2
    assert [k for k, _ in await _kinds(cal, early.booking_id)].count("reminder") == 0
    rows = await cal.rows(
        "SELECT booking_id, minutes_before, outcome, count(*) AS n FROM reminders GROUP BY 1, 2, 3"
    )
    assert {(r.booking_id, r.minutes_before, r.outcome, r.n) for r in rows} == {
        (later.booking_id, 60, "queued", 2),
        (later.booking_id, 1440, "superseded", 2),
        (early.booking_id, 60, "started", 2),
        (early.booking_id, 1440, "superseded", 2),
    }
    [text] = [
        r.body_text
        for r in await cal.rows(
            "SELECT body_text FROM email_outbox WHERE kind = 'reminder' AND recipient = :r "
            "AND booking_id = :b",
            r=mentee.email,
            b=later.booking_id,
        )
    ]
    assert "in 10 minutes" in text, text  # what is left, not the planned hour


async def test_unsubscribing_stops_that_kind_and_nothing_else(
    cal: Cal, clock: MovableClock, smtp_sink: SmtpSink
) -> None:
    provider, mentee = _pair()
    first = confirmed(provider, mentee, starts_at=START, ends_at=START + timedelta(hours=1))
    await cal.deliver(first)
    await _send(cal, smtp_sink)
    [confirmation] = _to(smtp_sink, mentee.email)
    link = _header(confirmation, "List-Unsubscribe").strip("<>")
    assert link.startswith("https://kairos.example/api/calendar/unsubscribe/")
    # the one-click POST of RFC 8058, as a mail client sends it
    path = link.removeprefix("https://kairos.example/api/calendar")
    resp = await cal.client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200, resp.text
    async with cal.uows() as uow:
        person = await uow.people.get(mentee.user_id)
    assert person is not None and person.unsubscribed == frozenset({Topic.CONFIRMATIONS})

    second = confirmed(provider, mentee, starts_at=START, ends_at=START + timedelta(hours=1))
    await cal.deliver(second)
    await cal.deliver(example(PaymentCaptured, payer=mentee, mentee_id=mentee.user_id))
    clock.at = START - timedelta(hours=1)
    await _queue_reminders(cal)
    await _send(cal, smtp_sink)
    mine = sorted(
        r.kind
        for r in await cal.rows(
            "SELECT kind FROM email_outbox WHERE recipient = :r", r=mentee.email
        )
    )
    # the first booking's confirmation only; the receipt and both sessions' reminders still
    assert mine == ["booking_confirmed", "payment_receipt", "reminder", "reminder"], mine
    assert len(_to(smtp_sink, provider.email)) == 2 + 2  # the mentor unsubscribed from nothing


async def test_receipts_say_the_amount_in_the_payers_locale_once_each(
    cal: Cal, smtp_sink: SmtpSink, clock: MovableClock
) -> None:
    _, payer = _pair()
    async with cal.uows() as uow:
        await uow.people.choose(
            payer.user_id, time_zone="Europe/Berlin", locale="de_DE",
            unsubscribed=frozenset({Topic.CONFIRMATIONS, Topic.REMINDERS}), at=clock.at,
        )  # fmt: skip
        await uow.commit()
    payment = uuid.uuid4()
    events: list[Any] = [
        example(
            PaymentCaptured, payment_id=payment, mentee_id=payer.user_id, payer=payer,
            amount_minor=123456, currency="EUR", description="Mentoría",
        ),
        example(
            CreditsPurchased, user_id=payer.user_id, payer=payer, amount_minor=5000,
            currency="JPY", credits=10,
        ),
        example(
            PaymentRefunded, payment_id=payment, mentee_id=payer.user_id, payer=payer,
            amount_minor=123456, currency="EUR",
        ),
    ]  # fmt: skip
    for e in events * 2:
        await cal.deliver(e)
    await _send(cal, smtp_sink)
    mails = _to(smtp_sink, payer.email)
    assert len(mails) == 3, [m["Subject"] for m in mails]
    [captured] = [_text(m) for m in _titled(mails, "Receipt:") if "Mentoría" in _text(m)]
    [credits] = [_text(m) for m in _titled(mails, "Receipt: 10 credits")]
    [refund] = [_text(m) for m in _titled(mails, "Refund:")]
    assert "1.234,56\xa0€" in captured and "Mentoría" in captured
    assert "5.000\xa0¥" in credits
    assert "1.234,56\xa0€" in refund
    assert all(m["List-Unsubscribe"] is None for m in mails)  # receipts always go


async def test_a_card_payments_verification_gets_no_receipt_and_opens_no_transaction(
    cal: Cal, smtp_sink: SmtpSink
) -> None:
    """A card payment is receipted when captured: its PaymentVerified (one per paid
    booking) is ignored before a transaction, so it leaves no inbox claim; a subscription
    cycle's is receipted once."""
    _, payer = _pair()
    card = example(PaymentVerified, mentee_id=payer.user_id, mentee=payer)
    cycle = example(
        PaymentVerified, mentee_id=payer.user_id, mentee=payer, method=PaymentMethod.SUBSCRIPTION,
        hold_id=None, subscription_id=uuid.uuid4(), cycle=CYCLE, stripe_payment_intent_id=None,
        stripe_invoice_id="in_123",
    )  # fmt: skip
    assert await cal.deliver(card) is Outcome.IGNORED
    envelope = Envelope.wrap(cycle, source="payments")
    assert await cal.deliver(envelope) is Outcome.HANDLED
    assert await cal.deliver(envelope) is Outcome.DUPLICATE
    async with cal.uows() as uow:
        claims = await uow.session.execute(
            text("SELECT event_type, count(*) FROM inbox GROUP BY event_type")
        )
        assert dict(claims.tuples().all()) == {"PaymentVerified": 1}
    await _send(cal, smtp_sink)
    [receipt] = _to(smtp_sink, payer.email)
    assert str(receipt["Subject"]).startswith("Receipt"), receipt["Subject"]


async def test_reminders_of_one_batch_attach_each_sessions_own_document(
    cal: Cal, clock: MovableClock
) -> None:
    # the .ics is built once per session in a batch: each mail still carries its own
    # session's document, as of the batch, the same for both participants
    sessions = []
    for n in range(3):
        provider, mentee = _pair()
        starts = START + timedelta(minutes=20 * n)
        b = confirmed(provider, mentee, starts_at=starts, ends_at=starts + timedelta(hours=1))
        sessions.append(b)
        await cal.deliver(b)
    clock.at = START - timedelta(minutes=1)  # every 1-hour one due, none started
    # six to queue, the six 24-hour ones superseded
    assert await queue_due_reminders(cal.uows, cal.ctx.composer, 100) == 12
    async with cal.uows() as uow:
        stored = {b.booking_id: await uow.bookings.get(b.booking_id) for b in sessions}
    rows = await cal.rows(
        "SELECT booking_id, recipient, ics FROM email_outbox WHERE kind = 'reminder'"
    )
    assert len(rows) == 6
    for r in rows:
        booking = stored[r.booking_id]
        assert booking is not None
        expected = ics.event_document(booking, stamp=clock.at, method="REQUEST")
        assert bytes(r.ics) == expected, r.recipient


async def test_a_cancellation_racing_the_reminder_job_leaves_no_reminder_to_send(
    cal: Cal, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, mentee = _pair()
    b = confirmed(provider, mentee, starts_at=START, ends_at=START + timedelta(hours=1))
    await cal.deliver(b)
    clock.at = START - timedelta(hours=24)
    at_commit, release = asyncio.Event(), asyncio.Event()

    def held() -> CalendarUow:
        """The job's unit of work, stopped just before its commit (rows locked, mails in)."""
        uow = cal.uows()
        commit = uow.commit

        async def wait_then_commit() -> None:
            at_commit.set()
            await release.wait()
            await commit()

        monkeypatch.setattr(uow, "commit", wait_then_commit)
        return uow

    job = asyncio.create_task(queue_due_reminders(held, cal.ctx.composer, 100))
    await asyncio.wait_for(at_commit.wait(), 10)
    cancel = asyncio.create_task(cal.deliver(follow(BookingCancelled, b, 1)))

    async def cancellation_waits() -> bool:
        rows = await cal.rows("SELECT count(*) AS n FROM pg_locks WHERE NOT granted")
        waiting: int = rows[0].n
        return waiting > 0

    assert await eventually(cancellation_waits, timeout=10)  # blocked on the job's rows
    release.set()
    assert await job == 2
    await cancel
    left = await cal.rows(
        "SELECT mail_key FROM email_outbox WHERE kind = 'reminder' AND sent_at IS NULL"
    )
    assert left == []  # the job's two mails were taken back by the cancellation
