"""Live updates through the gateway (server-sent events), with a browser-free client.

A mentee following /me/bookings/stream sees BookingConfirmed within a second of the payment
being authorized (the checkout answer), and after reconnecting with Last-Event-ID gets the
booking made while it was away, without loss. A mentor follows their schedule; nobody
follows someone else's.
"""

from __future__ import annotations

import time

import pytest

from kairos_e2e.client import Gateway, eventually
from kairos_e2e.market import B, Market, booking_of, checkout, mentee
from kairos_e2e.sse import Message, follow

pytestmark = pytest.mark.e2e


async def test_a_booking_appears_within_a_second_and_resume_loses_nothing(
    gateway: Gateway,
) -> None:
    market = Market(gateway, capacity=2)
    await market.open()
    slots = await market.slots()
    _, a = mentee(gateway)
    _, b = mentee(gateway)

    async with (
        follow(gateway, "/me/bookings/stream", a) as mine,
        follow(gateway, "/me/bookings/stream", b) as theirs,
        follow(gateway, f"/providers/{market.provider_id}/schedule/stream", market.mentor) as sched,
    ):
        assert mine.status == 200, mine.status
        assert mine.headers is not None
        assert mine.headers["content-type"].startswith("text/event-stream")
        hold = await market.hold(a, slots[0].starts_at)
        assert hold.status_code == 201, hold.text
        hold_id = hold.model.hold_id
        sent = time.monotonic()
        paid = await checkout(gateway, a, hold_id, method="card", payment_method_id="pm_card_visa")
        authorized = time.monotonic()  # the checkout answers once the card is authorized
        assert paid.status_code == 201, paid.text
        confirmed = await mine.next(authorized + 5, "BookingConfirmed")
        latency = confirmed.at - authorized
        assert latency < 1.0, (
            f"BookingConfirmed {latency:.3f}s after authorization "
            f"({confirmed.at - sent:.3f}s after the checkout was sent)"
        )
        booking_id = confirmed.data["data"]["booking_id"]
        assert confirmed.id == confirmed.data["event_id"]
        assert confirmed.data["data"]["hold_id"] == str(hold_id)
        seen_ids = [confirmed.id]
        # The mentor's schedule stream has it too.
        on_schedule = await sched.next(time.monotonic() + 5, "BookingConfirmed")
        assert on_schedule.data["data"]["booking_id"] == booking_id
        booked = await booking_of(gateway, a, slots[0].starts_at)
        assert booked is not None and str(booked.booking_id) == booking_id

    # Disconnected. A second booking is made meanwhile.
    second = await market.book(a, slots[1].starts_at)

    async with follow(gateway, "/me/bookings/stream", a, last_event_id=seen_ids[-1]) as again:
        replay: list[Message] = []
        deadline = time.monotonic() + 5
        while not any(m.event == "BookingConfirmed" for m in replay):
            replay.append(await again.next(deadline))
        assert [m.event for m in replay] == ["HoldPlaced", "BookingConfirmed"], replay
        assert replay[-1].data["data"]["booking_id"] == str(second.booking_id)
        assert not {m.id for m in replay} & set(seen_ids)  # nothing seen twice
        assert again.messages.empty()

    # Mentee B saw none of A's events (only holds and bookings of their own would show).
    assert theirs.messages.empty()

    # An id the server no longer knows: an explicit reset (refetch), not silence.
    async with follow(gateway, "/me/bookings/stream", a, last_event_id="gone") as stale:
        reset = await stale.next(time.monotonic() + 5)
        assert reset.event == "reset", reset


async def test_streams_need_a_token_and_only_show_your_own_schedule(gateway: Gateway) -> None:
    market = Market(gateway)
    await market.open()
    other = Market(gateway)
    await other.open()
    path = f"{B}/providers/{market.provider_id}/schedule/stream"
    for headers, status in (({}, 401), (other.mentor, 403), (gateway.as_user("mentee"), 403)):
        resp = await gateway.http.get(path, headers=headers)
        assert resp.status_code == status, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
    assert (await gateway.http.get(f"{B}/me/bookings/stream")).status_code == 401

    async def admin_stream_opens() -> bool:
        async with follow(gateway, path.removeprefix(B), gateway.as_user("admin")) as s:
            return s.status == 200

    assert await eventually(admin_stream_opens, timeout=10, what="an admin's stream")
