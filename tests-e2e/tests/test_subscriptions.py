"""Subscriptions, unsubscribe and reactivation end to end, through the gateway with real
tokens, the real localstripe and every service process: a mentee subscribes to a mentor's
weekly programme (Europe/Madrid), the paid first cycle books one session per occurrence of
the pattern, unsubscribing cancels every future session as `unsubscribed` at that time, and
reactivating (the mentee's route, then the admin's) restores exactly those sessions.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from kairos_client.api.booking import booking_cancel
from kairos_client.api.payments import (
    payments_admin_reactivate_subscription,
    payments_reactivate_subscription,
    payments_subscribe,
    payments_unsubscribe,
)
from kairos_client.models import BookingOut, CancelIn, EnrollmentOut, SubscribeIn

from kairos_e2e.client import Gateway, answer, eventually
from kairos_e2e.market import (
    ZONE,
    Market,
    Subscriber,
    mentee,
    my_bookings,
    stripe_get,
    weekly_pattern,
)

pytestmark = pytest.mark.e2e
PRICE = 4500  # one monthly cycle, in cents


def occurrences(pattern: list[dict[str, Any]], starts: datetime, ends: datetime) -> list[datetime]:
    """Every start of ``pattern`` (wall times in Madrid) in ``[starts, ends)``, in UTC order:
    computed here independently of booking, from the cycle it reports."""
    zone = ZoneInfo(ZONE)
    at = {e["weekday"]: time.fromisoformat(e["time"]) for e in pattern}
    day, last = starts.astimezone(zone).date(), ends.astimezone(zone).date()
    out = []
    while day <= last:
        if day.weekday() in at:
            start = datetime.combine(day, at[day.weekday()], zone)
            if starts <= start < ends:
                out.append(start)
        day += timedelta(days=1)
    return out


async def subscribed(gateway: Gateway) -> tuple[Market, Subscriber, dict[uuid.UUID, BookingOut]]:
    """A programme, a subscriber with a paid first cycle, and that cycle's sessions, checked
    against the pattern and the cycle both services report."""
    pattern = weekly_pattern()
    market = Market(gateway, pattern=pattern, price_minor=PRICE, title="Weekly mentoring")
    await market.open()
    sub = Subscriber(gateway, market)
    created = await sub.subscribe()
    assert created.status == "active", created
    assert (created.amount_minor, created.currency) == (PRICE, "EUR")

    async def cycle_booked() -> EnrollmentOut | None:
        enrollment = await sub.enrollment()
        return enrollment if enrollment and enrollment.current_cycle else None

    enrollment = await eventually(cycle_booked, timeout=30, what="the first cycle's enrollment")
    cycle = enrollment.current_cycle
    assert cycle is not None and cycle.number == 1
    assert enrollment.status == "active" and enrollment.unsubscribed_at is None
    assert enrollment.subscription_id == sub.subscription_id
    # Both services agree on the period paid for.
    period = (await sub.subscription()).current_period
    starts, ends = cycle.starts_at, cycle.ends_at
    assert period is not None and (period.starts_at, period.ends_at) == (starts, ends)
    assert timedelta(days=28) <= ends - starts <= timedelta(days=31)  # a monthly cycle

    expected = occurrences(pattern, starts, ends)
    assert len(expected) >= 12  # three a week over a month
    sessions = await sub.sessions_when(
        lambda s: len(s) >= len(expected), f"{len(expected)} sessions of the first cycle"
    )
    assert sorted(b.starts_at for b in sessions.values()) == expected
    local_dates = [b.local_date for b in sessions.values()]
    assert all(isinstance(d, date) for d in local_dates), local_dates
    assert sorted(d for d in local_dates if isinstance(d, date)) == [
        s.astimezone(ZoneInfo(ZONE)).date() for s in expected
    ]
    for b in sessions.values():
        assert b.status == "confirmed" and b.sequence == 0, b
        assert b.payment_method == "subscription" and b.cycle_number == 1, b
        assert b.subscription_id == sub.subscription_id, b
        assert b.enrollment_id == enrollment.enrollment_id, b
        assert b.ends_at - b.starts_at == timedelta(minutes=60)
    # The cycle's price is split over its sessions exactly, to the cent.
    assert sum(b.amount_minor for b in sessions.values()) == PRICE
    assert {b.booking_id for b in enrollment.upcoming_sessions} == set(sessions)
    return market, sub, sessions


async def test_a_paid_cycle_books_one_session_per_occurrence(gateway: Gateway) -> None:
    _, sub, sessions = await subscribed(gateway)
    # Stripe, as an operator sees it: one subscription, one paid invoice of the cycle price.
    stripe_id = (await sub.subscription()).stripe_subscription_id
    assert stripe_get(gateway, f"/v1/subscriptions/{stripe_id}")["status"] == "active"
    invoices = stripe_get(gateway, "/v1/invoices", subscription=stripe_id)["data"]
    assert [(i["status"], i["amount_paid"]) for i in invoices] == [("paid", PRICE)]
    # Nobody else sees them, and the mentee cannot subscribe twice.
    _, stranger = mentee(gateway)
    assert not [b for b in await my_bookings(gateway, stranger) if b.booking_id in sessions]
    body = SubscribeIn(offering_id=sub.market.offering_id, payment_method_id="pm_card_visa")
    again = await answer(payments_subscribe.asyncio_detailed(client=sub.api, body=body))
    assert again.status_code == 409, again.text
    assert len(await sub.sessions()) == len(sessions)


async def test_unsubscribe_then_reactivate_restores_exactly_those_sessions(
    gateway: Gateway,
) -> None:
    _, sub, sessions = await subscribed(gateway)
    admin = gateway.as_user("admin")
    first_stripe_id = (await sub.subscription()).stripe_subscription_id
    cycle_ends = next(iter(sessions.values())).cycle_ends_at
    assert isinstance(cycle_ends, datetime), sessions

    # One session the mentee cancels by hand first: reactivation never brings it back.
    by_hand = sorted(sessions.values(), key=lambda b: b.starts_at)[1].booking_id
    cancelled = await answer(
        booking_cancel.asyncio_detailed(by_hand, client=sub.api, body=CancelIn(reason="dentist"))
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.model.cancel_reason == "by_mentee"
    hand_cancelled_at = cancelled.model.cancelled_at
    restorable = set(sessions) - {by_hand}

    rounds = [
        ("mentee", payments_reactivate_subscription.asyncio_detailed, sub.who),
        ("admin", payments_admin_reactivate_subscription.asyncio_detailed, admin),
    ]
    stripe_ids = [first_stripe_id]
    for number, (path_of, reactivate, reactivator) in enumerate(rounds, start=1):
        # -- unsubscribe: every future session cancelled as `unsubscribed`, at that time
        gone = await answer(
            payments_unsubscribe.asyncio_detailed(sub.subscription_id, client=sub.api)
        )
        assert gone.status_code == 200, gone.text
        assert gone.model.status == "cancelled", gone.text
        assert gone.model.cancelled_by == "mentee"
        unsubscribed_at = gone.model.unsubscribed_at
        assert unsubscribed_at is not None, gone.text
        stripe_sub = stripe_get(gateway, f"/v1/subscriptions/{stripe_ids[-1]}")
        assert stripe_sub["status"] == "canceled", stripe_sub  # billing stopped at once

        after_cancel = await sub.sessions_when(
            lambda s: all(b in s and s[b].status == "cancelled" for b in restorable),
            f"round {number}: the sessions cancelled by the unsubscribe",
        )
        assert set(after_cancel) == set(sessions)  # none added, none lost
        for booking_id in restorable:
            b = after_cancel[booking_id]
            assert b.cancel_reason == "unsubscribed", b
            assert b.cancelled_at == unsubscribed_at, b
            assert b.cancelled_by == "mentee", b
            assert b.refund_amount_minor == 0, b  # billing is payments' business
            assert b.sequence == 2 * number - 1, b
        untouched = after_cancel[by_hand]
        assert (untouched.status, untouched.cancel_reason) == ("cancelled", "by_mentee")
        assert untouched.cancelled_at == hand_cancelled_at and untouched.sequence == 1
        enrollment = await sub.enrollment()
        assert enrollment is not None and enrollment.status == "unsubscribed", enrollment
        assert enrollment.unsubscribed_at == unsubscribed_at
        assert enrollment.upcoming_sessions == []

        # -- reactivate (mentee route, then admin route: one code path)
        if path_of == "admin":  # the admin route is the admin's only
            refused = await answer(reactivate(sub.subscription_id, client=sub.api))
            assert refused.status_code == 403, refused.text
        back = await answer(reactivate(sub.subscription_id, client=gateway.api(reactivator)))
        assert back.status_code == 200, back.text
        assert back.model.status == "active" and back.model.unsubscribed_at is None
        stripe_ids.append(back.model.stripe_subscription_id)
        assert len(set(stripe_ids)) == len(stripe_ids)  # a new Stripe subscription each time
        # Billing resumes with a trial up to the end of the cycle already paid: no charge.
        resumed = stripe_get(gateway, f"/v1/subscriptions/{stripe_ids[-1]}")
        assert resumed["status"] != "canceled", resumed
        assert resumed["trial_end"] == int(cycle_ends.timestamp()), resumed
        twice = await answer(reactivate(sub.subscription_id, client=gateway.api(reactivator)))
        assert twice.status_code == 409, twice.text  # only a cancelled one is reactivated

        restored = await sub.sessions_when(
            lambda s: all(b in s and s[b].status == "confirmed" for b in restorable),
            f"round {number}: the sessions restored by the {path_of} reactivation",
        )
        assert set(restored) == set(sessions)  # restored by UPDATE: the same bookings
        for booking_id in restorable:
            b = restored[booking_id]
            assert b.sequence == 2 * number, b
            assert b.cancelled_at is None and b.cancel_reason is None, b
            assert b.cancelled_by is None and b.refund_amount_minor is None, b
            assert b.starts_at == sessions[booking_id].starts_at, b
        still = restored[by_hand]
        assert (still.status, still.cancel_reason, still.sequence) == (
            "cancelled",
            "by_mentee",
            1,
        )
        enrollment = await sub.enrollment()
        assert enrollment is not None and enrollment.status == "active", enrollment
        assert enrollment.unsubscribed_at is None
        assert enrollment.current_cycle is not None
        assert enrollment.current_cycle.number == 1  # no new cycle was billed
        assert {b.booking_id for b in enrollment.upcoming_sessions} == restorable

    # Money, as an operator sees it: the first cycle was charged once, and nothing since.
    paid = [
        (i["status"], i["amount_paid"])
        for stripe_id in stripe_ids
        for i in stripe_get(gateway, "/v1/invoices", subscription=stripe_id)["data"]
        if i["amount_paid"]
    ]
    assert paid == [("paid", PRICE)]
