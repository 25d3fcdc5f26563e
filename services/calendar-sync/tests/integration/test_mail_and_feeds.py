"""Mails about bookings (with the .ics invitation for those without a calendar) through the
real SMTP sink, and the private ICS feed."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Sequence
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from icalendar import Calendar

from kairos_calendar_sync.adapters.mail_repository import Mail
from kairos_calendar_sync.adapters.smtp import outgoing
from kairos_contracts.events.booking import BookingCancelled, BookingRescheduled, BookingRestored
from kairos_localstack.smtp_sink import SmtpSink, read_messages
from kairos_platform.mail import Delivery, Mailer, SmtpMailer, send_once
from kairos_platform.testing_services import eventually

from .conftest import Cal, Dav, confirmed, follow, people

pytestmark = pytest.mark.integration


def _to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if m["To"] == address]


def _invite(m: EmailMessage) -> tuple[str, Calendar]:
    [part] = [p for p in m.walk() if p.get_content_type() == "text/calendar"]
    method, ics = part.get_param("method"), part.get_payload(decode=True)
    assert isinstance(method, str) and isinstance(ics, bytes)
    return method, Calendar.from_ical(ics)


async def _send_all(cal: Cal, mailer: Mailer[Mail]) -> None:
    while await send_once(cal.uows, mailer, cal.ctx.mail_policy):
        pass


async def test_each_participant_gets_one_mail_per_change_the_invitation_without_a_calendar(
    cal: Cal, dav: Dav, smtp_sink: SmtpSink
) -> None:
    provider, mentee = people()
    # The mentor has a calendar (mails without the .ics); the mentee has none (with it).
    await cal.connect_caldav(provider.user_id, await dav.make_calendar("mailmentor"), "mailmentor")
    b = confirmed(provider, mentee)
    start = b.starts_at + timedelta(days=3)
    times = {"starts_at": start, "ends_at": start + timedelta(hours=1)}
    history = [
        b,
        follow(
            BookingRescheduled,
            b,
            1,
            previous_starts_at=b.starts_at,
            previous_ends_at=b.ends_at,
            **times,
        ),
        follow(BookingCancelled, b, 2, **times),
        follow(BookingRestored, b, 3, **times),
    ]
    sender = "Kairos <calendar@kairos.local>"
    mailer = SmtpMailer("127.0.0.1", smtp_sink.port or 0, sender, outgoing)
    for e in history:
        await cal.deliver(e)
        await cal.deliver(e)  # a duplicate delivery queues nothing more
    await _send_all(cal, mailer)
    await _send_all(cal, mailer)  # a second pass sends nothing again

    got = await eventually(lambda: _ready(smtp_sink, mentee.email, 4), timeout=10)
    assert len(got) == 4, got
    methods = [_invite(m) for m in got]
    assert [(meth, next(iter(c.walk("VEVENT"))).decoded("SEQUENCE")) for meth, c in methods] == [
        ("REQUEST", 0),
        ("REQUEST", 1),
        ("CANCEL", 2),
        ("REQUEST", 3),
    ]
    for _, c in methods:
        [ev] = c.walk("VEVENT")
        assert str(ev["UID"]) == f"{b.booking_id}@kairos"
    first = got[0]
    assert str(first["Subject"]).strip().startswith(f"Confirmed: {b.offering_title}")
    assert first.get_body(("plain",)) is not None and first.get_body(("html",)) is not None
    mentor = await eventually(lambda: _ready(smtp_sink, provider.email, 4), timeout=10)
    assert [str(m["Subject"]).strip().split(":")[0] for m in mentor] == [
        "Confirmed", "Rescheduled", "Cancelled", "Back on",
    ]  # fmt: skip
    assert all("text/calendar" not in {p.get_content_type() for p in m.walk()} for m in mentor)


async def _ready(sink: SmtpSink, address: str | None, n: int) -> list[EmailMessage]:
    found = _to(sink.messages(), address or "")
    return found if len(found) >= n else []


async def test_smtp_down_then_up_sends_each_mail_once(cal: Cal) -> None:
    root = Path(tempfile.mkdtemp(prefix="kairos-smtp-down-"))
    sink = SmtpSink(root / "maildir", log_file=root / "smtp.log")
    sink.start()
    port = sink.port or 0
    sink.stop()
    try:
        provider, mentee = people()
        await cal.deliver(confirmed(provider, mentee))
        mailer = SmtpMailer("127.0.0.1", port, "Kairos <calendar@kairos.local>", outgoing)
        # SMTP is down: the first is tried and backs off, the other goes back; the job waits
        assert await send_once(cal.uows, mailer, cal.ctx.mail_policy) == 0
        rows = await cal.rows("SELECT sent_at, attempts, last_error FROM email_outbox")
        assert len(rows) == 2 and all(r.sent_at is None for r in rows)
        assert any(r.attempts == 1 and r.last_error for r in rows)

        sink = SmtpSink(root / "maildir", port=port, log_file=root / "smtp.log")
        sink.start()
        await _send_all(cal, mailer)
        await _send_all(cal, mailer)
        messages = read_messages(root / "maildir")
        assert provider.email and mentee.email
        assert sorted(str(m["To"]) for m in messages) == sorted([provider.email, mentee.email])
        rows = await cal.rows("SELECT sent_at FROM email_outbox")
        assert all(r.sent_at is not None for r in rows)
    finally:
        sink.stop()
        shutil.rmtree(root, ignore_errors=True)


class _StopsAfter:
    """A mailer whose server takes ``n`` mails of a batch and then refuses the next."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.batches: list[list[int]] = []

    async def send(self, mails: Sequence[Mail], deadline: float | None = None) -> Delivery:
        self.batches.append([m.id for m in mails])
        if len(mails) <= self.n:
            return Delivery(len(mails))
        return Delivery(self.n, "SMTP: SMTPDataError: 451 try later")


async def test_a_batch_stopped_midway_marks_what_went_and_retries_the_rest(cal: Cal) -> None:
    for _ in range(2):  # two bookings, two participants each: four mails, one batch
        await cal.deliver(confirmed(*people()))
    mailer = _StopsAfter(1)
    # the server refused one: the job waits before its next pass
    assert await send_once(cal.uows, mailer, cal.ctx.mail_policy) == 0
    rows = await cal.rows(
        "SELECT id, sent_at, attempts, last_error, lease_until FROM email_outbox ORDER BY id"
    )
    assert mailer.batches == [[r.id for r in rows]]
    sent, failed, *untried = rows
    assert sent.sent_at is not None and sent.attempts == 0
    assert failed.sent_at is None and failed.attempts == 1 and "451" in failed.last_error
    assert failed.lease_until is None  # tried again after its backoff (0 s in these tests)
    assert all(
        r.sent_at is None and r.attempts == 0 and r.last_error is None and r.lease_until is None
        for r in untried
    )  # not tried: free for the next pass, no attempt counted
    mailer.n = 10
    assert (
        await send_once(cal.uows, mailer, cal.ctx.mail_policy) == 3
    )  # the failed one is due again at once here
    assert mailer.batches[1] == [r.id for r in (failed, *untried)]
    assert await send_once(cal.uows, mailer, cal.ctx.mail_policy) == 0


async def test_the_feed_holds_exactly_the_users_live_sessions_until_revoked(cal: Cal) -> None:
    provider, mentee = people()
    _, stranger = people()
    live = confirmed(provider, mentee)
    cancelled = confirmed(provider, mentee)
    someone_elses = confirmed(provider, stranger)
    for e in (live, cancelled, follow(BookingCancelled, cancelled, 1), someone_elses):
        await cal.deliver(e)

    resp = await cal.client.post("/feeds", headers=cal.auth(mentee.user_id))
    assert resp.status_code == 201
    token = resp.json()["token"]
    feed = await cal.client.get(f"/feeds/{token}.ics")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{live.booking_id}@kairos"]
    assert events[0].decoded("DTSTART") == live.starts_at
    # The mentor's feed has all their live sessions, the stranger's included.
    mentor_token = (await cal.client.post("/feeds", headers=cal.auth(provider.user_id))).json()
    mentor_feed = await cal.client.get(f"/feeds/{mentor_token['token']}.ics")
    uids = sorted(str(e["UID"]) for e in Calendar.from_ical(mentor_feed.content).walk("VEVENT"))
    assert uids == sorted(f"{b.booking_id}@kairos" for b in (live, someone_elses))
    # Only the token's hash is stored.
    rows = await cal.rows("SELECT token_hash FROM feeds")
    assert token not in {r.token_hash for r in rows}

    assert (await cal.client.get(f"/feeds/{uuid.uuid4().hex}.ics")).status_code == 404
    other = cal.auth(stranger.user_id)
    assert (await cal.client.delete(f"/feeds/{token}", headers=other)).status_code == 403
    assert (await cal.client.get(f"/feeds/{token}.ics")).status_code == 200
    revoked = await cal.client.delete(f"/feeds/{token}", headers=cal.auth(mentee.user_id))
    assert revoked.status_code == 204
    assert (await cal.client.get(f"/feeds/{token}.ics")).status_code == 404
    assert (await cal.client.get(f"/feeds/{mentor_token['token']}.ics")).status_code == 200
