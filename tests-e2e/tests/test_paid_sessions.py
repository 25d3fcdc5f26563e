"""DESIGN.md flows 1-3 end to end, through the gateway, with real tokens, the real
localstripe and every service process: a paid one-time session, abandoned and failed
payments that leave the slot bookable at once, and paying with credits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from kairos_e2e.client import Gateway, eventually

pytestmark = pytest.mark.e2e
B, P = "/api/booking", "/api/payments"


class Market:
    """One mentor with an offering open every day, and helpers to book it as a mentee."""

    def __init__(self, gw: Gateway, capacity: int = 1, price_in_credits: int | None = None) -> None:
        self.gw = gw
        self.capacity = capacity
        self.price_in_credits = price_in_credits
        self.mentor_id = uuid.uuid4()
        self.mentor = gw.as_user("mentor", user_id=self.mentor_id)

    async def open(self) -> None:
        http = self.gw.http
        provider = await http.post(
            f"{B}/providers",
            json={
                "display_name": "Ada Mentor",
                "email": "ada@example.org",
                "time_zone": "Europe/Madrid",
            },
            headers=self.mentor,
        )
        assert provider.status_code == 201, provider.text
        self.provider_id = provider.json()["provider_id"]
        week = [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)]
        hours = await http.put(
            f"{B}/providers/{self.provider_id}/availability",
            json={"weekly": week},
            headers=self.mentor,
        )
        assert hours.status_code == 204, hours.text
        body: dict[str, Any] = {
            "title": "Career mentoring",
            "duration_min": 60,
            "price_minor": 4500,
            "currency": "EUR",
            "capacity": self.capacity,
        }
        if self.price_in_credits:
            body["price_in_credits"] = self.price_in_credits
        offering = await http.post(
            f"{B}/providers/{self.provider_id}/offerings", json=body, headers=self.mentor
        )
        assert offering.status_code == 201, offering.text
        self.offering_id = offering.json()["offering_id"]

    async def slots(self) -> list[dict[str, Any]]:
        start = (datetime.now(UTC) + timedelta(days=2)).date()
        resp = await self.gw.http.get(
            f"{B}/offerings/{self.offering_id}/slots",
            params={"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()},
        )
        assert resp.status_code == 200, resp.text
        return list(resp.json()["slots"])

    async def hold(self, mentee: dict[str, str], starts_at: str) -> httpx.Response:
        return await self.gw.http.post(
            f"{B}/holds",
            json={"offering_id": self.offering_id, "starts_at": starts_at},
            headers=mentee,
        )

    async def free_seats(self, starts_at: str) -> int:
        # A slot with no free seat is not listed at all.
        return next((s["free"] for s in await self.slots() if s["starts_at"] == starts_at), 0)


def mentee(gw: Gateway) -> tuple[uuid.UUID, dict[str, str]]:
    user = uuid.uuid4()
    return user, gw.as_user("mentee", user_id=user)


async def checkout(gw: Gateway, who: dict[str, str], hold_id: str, **body: Any) -> httpx.Response:
    return await eventually(
        lambda: _checkout_once(gw, who, hold_id, body), timeout=15, what="checkout accepted"
    )


async def _checkout_once(
    gw: Gateway, who: dict[str, str], hold_id: str, body: dict[str, Any]
) -> Any:
    resp = await gw.http.post(f"{P}/checkouts", json={"hold_id": hold_id, **body}, headers=who)
    # 409 with Retry-After: payments has not heard of the hold yet (it travels by event).
    return None if resp.status_code == 409 and resp.headers.get("Retry-After") else resp


async def booking_of(gw: Gateway, who: dict[str, str], starts_at: str) -> Any:
    resp = await gw.http.get(f"{B}/me/bookings", params={"when": "upcoming"}, headers=who)
    assert resp.status_code == 200, resp.text
    return next((b for b in resp.json() if b["starts_at"] == starts_at), None)


def stripe_intent(gw: Gateway, intent_id: str) -> dict[str, Any]:
    api, key = gw.stripe_api_base, gw.stripe_api_key
    resp = httpx.get(f"{api}/v1/payment_intents/{intent_id}", auth=(key, ""), timeout=10)
    resp.raise_for_status()
    return dict(resp.json())


async def test_paid_session_is_booked_once_and_captured(gateway: Gateway) -> None:
    market = Market(gateway)
    await market.open()
    slot = (await market.slots())[0]
    _, who = mentee(gateway)
    hold = await market.hold(who, slot["starts_at"])
    assert hold.status_code == 201, hold.text
    assert hold.json()["amount_minor"] == 4500
    assert await market.free_seats(slot["starts_at"]) == 0  # a hold takes the seat

    paid = await checkout(
        gateway, who, hold.json()["hold_id"], method="card", payment_method="pm_card_visa"
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["amount_minor"] == 4500 and paid.json()["currency"] == "EUR"
    booked = await eventually(
        lambda: booking_of(gateway, who, slot["starts_at"]), what="the booking"
    )
    assert booked["status"] == "confirmed"

    intent_id = paid.json()["payment_intent_id"]

    async def captured() -> bool:
        return stripe_intent(gateway, intent_id)["status"] == "succeeded"

    await eventually(captured, what="the capture in Stripe")
    assert stripe_intent(gateway, intent_id)["amount"] == 4500
    # Someone else cannot take the seat now, and cannot read the mentee's bookings.
    _, other = mentee(gateway)
    assert (await market.hold(other, slot["starts_at"])).status_code == 409


async def test_abandoned_and_failed_payments_leave_the_slot_bookable_at_once(
    gateway: Gateway,
) -> None:
    market = Market(gateway)
    await market.open()
    slot = (await market.slots())[0]
    _, first = mentee(gateway)

    abandoned = await market.hold(first, slot["starts_at"])
    assert abandoned.status_code == 201, abandoned.text
    released = await gateway.http.delete(f"{B}/holds/{abandoned.json()['hold_id']}", headers=first)
    assert released.status_code == 204, released.text
    assert await market.free_seats(slot["starts_at"]) == 1

    _, second = mentee(gateway)
    declined_hold = await market.hold(second, slot["starts_at"])
    assert declined_hold.status_code == 201, declined_hold.text
    declined = await checkout(
        gateway,
        second,
        declined_hold.json()["hold_id"],
        method="card",
        payment_method="pm_card_chargeCustomerFail",
    )
    assert declined.status_code in (201, 402), declined.text

    async def slot_free_again() -> bool:
        return await market.free_seats(slot["starts_at"]) == 1

    await eventually(slot_free_again, what="the failed payment's hold to be released")
    assert await booking_of(gateway, second, slot["starts_at"]) is None

    _, third = mentee(gateway)
    retry = await market.hold(third, slot["starts_at"])
    assert retry.status_code == 201, retry.text
    paid = await checkout(
        gateway, third, retry.json()["hold_id"], method="card", payment_method="pm_card_visa"
    )
    assert paid.status_code == 201, paid.text
    await eventually(
        lambda: booking_of(gateway, third, slot["starts_at"]), what="the retried booking"
    )


async def test_credits_pay_for_a_session_and_too_few_is_a_402(gateway: Gateway) -> None:
    market = Market(gateway, capacity=3, price_in_credits=3)
    await market.open()
    slot = (await market.slots())[0]
    user, who = mentee(gateway)
    bought = await gateway.http.post(
        f"{P}/credits/purchases",
        json={"pack": "starter", "payment_method": "pm_card_visa"},
        headers=who,
    )
    assert bought.status_code == 201, bought.text

    async def balance() -> Any:
        resp = await gateway.http.get(f"{P}/credits", headers=who)
        return (
            resp.json()["balance"] if resp.status_code == 200 and resp.json()["balance"] else None
        )

    assert await eventually(balance, what="the purchased credits") == 5

    hold = await market.hold(who, slot["starts_at"])
    assert hold.status_code == 201, hold.text
    paid = await checkout(gateway, who, hold.json()["hold_id"], method="credits")
    assert paid.status_code == 201, paid.text
    await eventually(
        lambda: booking_of(gateway, who, slot["starts_at"]), what="the credit-paid booking"
    )
    assert (await gateway.http.get(f"{P}/credits", headers=who)).json()["balance"] == 2

    second_slot = (await market.slots())[1]
    again = await market.hold(who, second_slot["starts_at"])
    assert again.status_code == 201, again.text
    short = await checkout(gateway, who, again.json()["hold_id"], method="credits")
    assert short.status_code == 402, short.text
    assert short.headers["content-type"].startswith("application/problem+json")
    assert (await gateway.http.get(f"{P}/credits", headers=who)).json()["balance"] == 2
    del user
