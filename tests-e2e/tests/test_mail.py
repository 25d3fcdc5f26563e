"""The mail a booking sends, end to end through the gateway to the stack's SMTP sink:
confirmation and receipt at once, both reminders at their instants in the reader's zone, a
reschedule moving them, a cancellation ending them with one cancellation mail, and a
one-click unsubscribe stopping one kind and nothing else.

Reminders are hours ahead, so this module runs a stack of its own whose calendar-sync reads
"now" from a clock the test moves (``CALENDAR_SYNC_CLOCK_OFFSET_FILE``: seconds ahead,
re-read when the file changes) and looks for due reminders every second. Everything else
runs on real time.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kairos_e2e.client import Gateway, eventually
from kairos_e2e.market import B, C, Market, mentee
from kairos_e2e.observe import mails_to
from kairos_localstack.stack import temporary_stack

pytestmark = pytest.mark.e2e

CLOCK = Path(tempfile.mkdtemp(prefix="kairos-mail-clock-")) / "offset_s"


@pytest.fixture(scope="module")
def mail_stack() -> Iterator[Any]:
    env = {"CALENDAR_SYNC_CLOCK_OFFSET_FILE": str(CLOCK), "REMINDER_POLL_INTERVAL_S": "1"}
    with temporary_stack("kairos-mail-", env) as state:
        yield state


@pytest.fixture
async def gw(mail_stack: Any) -> AsyncIterator[Gateway]:
    gateway = Gateway(
        mail_stack.gateway_url, Path(mail_stack.data_dir), endpoints=mail_stack.endpoints
    )
    yield gateway
    await gateway.aclose()


def move_clock_to(at: datetime) -> None:
    """calendar-sync's "now" becomes ``at`` (and runs on from there)."""
    CLOCK.write_text(f"{(at - datetime.now(UTC)).total_seconds():.3f}")


def text_of(m: EmailMessage) -> str:
    body = m.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def subjects(maildir: str, address: str) -> list[str]:
    return [str(m["Subject"]).strip() for m in mails_to(maildir, address)]


async def mails_when(gw: Gateway, address: str, n: int, what: str) -> list[EmailMessage]:
    async def probe() -> list[EmailMessage] | None:
        found = mails_to(gw.maildir, address)
        return found if len(found) >= n else None

    return await eventually(probe, timeout=30, what=what)


async def prefer(gw: Gateway, who: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = await gw.http.put(f"{C}/me/mail-preferences", json=body, headers=who)
    assert resp.status_code == 200, resp.text
    preferences: dict[str, Any] = resp.json()
    return preferences


async def test_a_booking_is_confirmed_receipted_and_reminded_in_the_readers_zone(
    gw: Gateway,
) -> None:
    CLOCK.write_text("0")
    market = Market(gw, title="Interview practice")
    await market.open()
    address = f"mentee-{uuid.uuid4().hex[:10]}@example.org"
    _, who = mentee(gw, email=address, name="Grace")
    await prefer(gw, who, time_zone="America/New_York", locale="en_US", unsubscribed=[])
    slot = (await market.slots())[0].starts_at
    booked = await market.book(who, slot)

    # at once: the confirmation (with the .ics: no calendar connected) and the receipt
    first = await mails_when(gw, address, 2, "the confirmation and the receipt")
    titles = subjects(gw.maildir, address)
    assert any(t.startswith("Confirmed: Interview practice") for t in titles), titles
    receipt = next(m for m in first if "receipt" in str(m["Subject"]).lower())
    assert "€45.00" in text_of(receipt), text_of(receipt)
    assert receipt["List-Unsubscribe"] is None  # receipts always go
    mentor_first = await mails_when(gw, market.email, 1, "the mentor's confirmation")
    assert len(mentor_first) == 1

    # 24 hours before, then 1 hour before: one reminder each, to each of them
    move_clock_to(booked.starts_at - timedelta(hours=24, seconds=-1))
    arrived = await mails_when(gw, address, 3, "the 24-hour reminder")
    [day_before] = [m for m in arrived if str(m["Subject"]).strip().startswith("Reminder:")]
    text = text_of(day_before)
    assert "America/New_York" in text and "Europe/Madrid" in text, text
    new_york = booked.starts_at.astimezone(ZoneInfo("America/New_York"))
    madrid = booked.starts_at.astimezone(ZoneInfo("Europe/Madrid"))
    assert f"{new_york:%-I:%M}" in text and f"{madrid:%-I:%M}" in text, text
    assert str(day_before["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    move_clock_to(booked.starts_at - timedelta(hours=1, seconds=-1))
    await mails_when(gw, address, 4, "the 1-hour reminder")
    await mails_when(gw, market.email, 3, "the mentor's two reminders")
    assert len(mails_to(gw.maildir, address)) == 4
    assert len(mails_to(gw.maildir, market.email)) == 3


async def test_a_reschedule_moves_the_reminders_a_cancellation_ends_them(gw: Gateway) -> None:
    """Two mentees; the second is the witness: once their reminder came, the job has passed
    the instant the first one's stale or cancelled reminder would have been due."""
    CLOCK.write_text("0")
    market = Market(gw, capacity=2)
    await market.open()
    slots = await market.slots()
    people = []
    for name in ("Lin", "Witness"):
        address = f"mentee-{uuid.uuid4().hex[:10]}@example.org"
        _, who = mentee(gw, email=address, name=name)
        people.append((address, who))
    (address, who), (witness, witness_who) = people
    booked = await market.book(who, slots[0].starts_at)
    await mails_when(gw, address, 2, "the confirmation and the receipt")

    moved_to = slots[2].starts_at
    moved = await gw.http.post(
        f"{B}/bookings/{booked.booking_id}/reschedule",
        json={"starts_at": moved_to.isoformat()},
        headers=market.mentor,
    )
    assert moved.status_code == 200, moved.text
    await mails_when(gw, address, 3, "the reschedule mail")
    await market.book(witness_who, slots[0].starts_at)  # at the old time
    await mails_when(gw, witness, 2, "the witness's confirmation and receipt")

    # a day before the old time: the witness is reminded, the moved session is not
    move_clock_to(booked.starts_at - timedelta(hours=24, seconds=-1))
    await mails_when(gw, witness, 3, "the witness's 24-hour reminder")
    assert len(mails_to(gw.maildir, address)) == 3, subjects(gw.maildir, address)
    # a day before the new time: it is
    move_clock_to(moved_to - timedelta(hours=24, seconds=-1))
    await mails_when(gw, address, 4, "the reminder for the new time")

    # cancelled before its reminders: one cancellation mail, then nothing
    later = await market.book(who, slots[3].starts_at)
    await mails_when(gw, address, 6, "the second booking's confirmation and receipt")
    await market.book(witness_who, slots[3].starts_at)
    await mails_when(gw, witness, 5, "the witness's second booking")
    cancelled = await gw.http.post(
        f"{B}/bookings/{later.booking_id}/cancel", json={"reason": "ill"}, headers=who
    )
    assert cancelled.status_code == 200, cancelled.text
    await mails_when(gw, address, 8, "the cancellation mail and the refund's receipt")
    move_clock_to(later.starts_at - timedelta(hours=24, seconds=-1))
    await mails_when(gw, witness, 6, "the witness's reminder for the cancelled time")
    titles = subjects(gw.maildir, address)
    assert len(titles) == 8, titles  # no reminder for the cancelled session
    assert sum(t.startswith("Cancelled") for t in titles) == 1, titles


async def test_the_one_click_link_through_the_gateway_stops_that_kind_only(gw: Gateway) -> None:
    CLOCK.write_text("0")
    market = Market(gw, capacity=2)
    await market.open()
    address = f"mentee-{uuid.uuid4().hex[:10]}@example.org"
    _, who = mentee(gw, email=address, name="Noor")
    slots = await market.slots()
    await market.book(who, slots[0].starts_at)
    first = await mails_when(gw, address, 2, "the confirmation and the receipt")
    confirmation = next(m for m in first if m["List-Unsubscribe"] is not None)
    link = str(confirmation["List-Unsubscribe"]).strip().strip("<>")
    assert link.startswith(f"{gw.base_url}/api/calendar/unsubscribe/"), link

    page = await gw.http.get(link)  # what a link scanner fetches: a page, no change
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    # the POST a mail client sends for List-Unsubscribe-Post (RFC 8058)
    done = await gw.http.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200, done.text
    mine = await gw.http.get(f"{C}/me/mail-preferences", headers=who)
    assert mine.json()["unsubscribed"] == ["confirmations"], mine.text

    # the next booking: its receipt comes, its confirmation does not; the mentor's does
    await market.book(who, slots[1].starts_at)
    await mails_when(gw, market.email, 2, "the mentor's second confirmation")

    async def second_receipt() -> list[str] | None:
        titles = subjects(gw.maildir, address)
        return titles if sum("receipt" in t.lower() for t in titles) >= 2 else None

    # the confirmation would have been queued before the receipt (BookingConfirmed comes
    # before the capture): with the receipt in, a confirmation sent would be too
    titles = await eventually(second_receipt, timeout=30, what="the second receipt")
    assert sum(t.startswith("Confirmed") for t in titles) == 1, titles
