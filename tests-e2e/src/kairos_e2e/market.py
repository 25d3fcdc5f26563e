"""A mentor with an offering, and a mentee who books or subscribes to it, through the gateway.

Shared by the end-to-end tests: every call is what a frontend would send, with that user's
token; Stripe is looked at only the way an operator would (its API, read-only).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kairos_e2e.client import Gateway, eventually

B, P, C = "/api/booking", "/api/payments", "/api/calendar"
ZONE = "Europe/Madrid"


class Market:
    """One mentor (a provider in Europe/Madrid, open every day) with one offering.

    ``pattern`` (``[{"weekday": 0..6, "time": "HH:MM"}]``) makes the offering a recurring
    programme (``kind: recurring``); otherwise it is a one-time offering booked by slot.
    """

    def __init__(
        self,
        gw: Gateway,
        capacity: int = 1,
        price_in_credits: int | None = None,
        *,
        email: str | None = None,
        pattern: list[dict[str, Any]] | None = None,
        price_minor: int = 4500,
        title: str = "Career mentoring",
    ) -> None:
        self.gw = gw
        self.capacity = capacity
        self.price_in_credits = price_in_credits
        self.email = email or f"mentor-{uuid.uuid4().hex[:12]}@example.org"
        self.pattern = pattern
        self.price_minor = price_minor
        self.title = title
        self.mentor_id = uuid.uuid4()
        self.mentor = gw.as_user("mentor", user_id=self.mentor_id)

    async def open(self) -> None:
        http = self.gw.http
        provider = await http.post(
            f"{B}/providers",
            json={"display_name": "Ada Mentor", "email": self.email, "time_zone": ZONE},
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
            "title": self.title,
            "duration_min": 60,
            "price_minor": self.price_minor,
            "currency": "EUR",
            "capacity": self.capacity,
        }
        if self.price_in_credits:
            body["price_in_credits"] = self.price_in_credits
        if self.pattern is not None:
            body |= {"kind": "recurring", "pattern": self.pattern}
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

    async def book(self, who: dict[str, str], starts_at: str) -> dict[str, Any]:
        """A paid one-time session (hold, card checkout with pm_card_visa): the booking."""
        hold = await self.hold(who, starts_at)
        assert hold.status_code == 201, hold.text
        paid = await checkout(
            self.gw, who, hold.json()["hold_id"], method="card", payment_method_id="pm_card_visa"
        )
        assert paid.status_code == 201, paid.text
        booked = await eventually(
            lambda: booking_of(self.gw, who, starts_at), what=f"the booking at {starts_at}"
        )
        assert booked["status"] == "confirmed", booked
        return dict(booked)


def mentee(gw: Gateway, **claims: Any) -> tuple[uuid.UUID, dict[str, str]]:
    user = uuid.uuid4()
    return user, gw.as_user("mentee", user_id=user, **claims)


async def checkout(gw: Gateway, who: dict[str, str], hold_id: str, **body: Any) -> httpx.Response:
    return await eventually(
        lambda: _checkout_once(gw, who, hold_id, body), timeout=15, what="checkout accepted"
    )


async def _checkout_once(
    gw: Gateway, who: dict[str, str], hold_id: str, body: dict[str, Any]
) -> Any:
    resp = await gw.http.post(f"{P}/checkouts", json={"hold_id": hold_id, **body}, headers=who)
    # 409 with Retry-After: another checkout of this hold is running (a hold payments has
    # not heard of yet is waited for, not refused).
    return None if resp.status_code == 409 and resp.headers.get("Retry-After") else resp


async def my_bookings(gw: Gateway, who: dict[str, str]) -> list[dict[str, Any]]:
    """Every upcoming booking of ``who`` (all pages)."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"when": "upcoming", "limit": 200}
    while True:
        resp = await gw.http.get(f"{B}/me/bookings", params=params, headers=who)
        assert resp.status_code == 200, resp.text
        found += resp.json()["items"]
        if not resp.json()["has_more"]:
            return found
        params["cursor"] = resp.json()["next_cursor"]


async def booking_of(gw: Gateway, who: dict[str, str], starts_at: str) -> Any:
    return next((b for b in await my_bookings(gw, who) if b["starts_at"] == starts_at), None)


def stripe_intent(gw: Gateway, intent_id: str) -> dict[str, Any]:
    api, key = gw.stripe_api_base, gw.stripe_api_key
    resp = httpx.get(f"{api}/v1/payment_intents/{intent_id}", auth=(key, ""), timeout=10)
    resp.raise_for_status()
    return dict(resp.json())


def instant(value: str) -> datetime:
    """An ISO 8601 timestamp from the API as an aware datetime (compare instants, not text)."""
    return datetime.fromisoformat(value)


def stripe_get(gw: Gateway, path: str, **params: Any) -> dict[str, Any]:
    """Read-only look at the stack's Stripe, as an operator would."""
    resp = httpx.get(
        f"{gw.stripe_api_base}{path}", params=params, auth=(gw.stripe_api_key, ""), timeout=10
    )
    resp.raise_for_status()
    return dict(resp.json())


class Subscriber:
    """A mentee with a subscription to ``market``'s programme."""

    def __init__(
        self, gw: Gateway, market: Market, user: tuple[uuid.UUID, dict[str, str]] | None = None
    ) -> None:
        self.gw, self.market = gw, market
        self.user_id, self.who = user or mentee(gw)

    async def subscribe(self) -> dict[str, Any]:
        async def accepted() -> httpx.Response | None:
            resp = await self.gw.http.post(
                f"{P}/subscriptions",
                json={"offering_id": self.market.offering_id, "payment_method_id": "pm_card_visa"},
                headers=self.who,
            )
            # 409 + Retry-After: the service is busy (an offering payments has not heard of
            # yet is waited for, not refused).
            return None if resp.status_code == 409 and resp.headers.get("Retry-After") else resp

        resp = await eventually(accepted, timeout=20, what="the subscription accepted")
        assert resp.status_code == 201, resp.text
        body = resp.json()
        self.subscription_id = body["subscription_id"]
        return dict(body)

    async def subscription(self) -> dict[str, Any]:
        resp = await self.gw.http.get(f"{P}/me/subscriptions", headers=self.who)
        assert resp.status_code == 200, resp.text
        (only,) = [s for s in resp.json()["items"] if s["subscription_id"] == self.subscription_id]
        return dict(only)

    async def enrollment(self) -> dict[str, Any] | None:
        resp = await self.gw.http.get(f"{B}/me/enrollments", headers=self.who)
        assert resp.status_code == 200, resp.text
        mine = [e for e in resp.json() if e["offering"]["offering_id"] == self.market.offering_id]
        assert len(mine) <= 1, mine  # one enrollment per (offering, mentee)
        return dict(mine[0]) if mine else None

    async def sessions(self) -> dict[str, dict[str, Any]]:
        """The programme's upcoming sessions in /me/bookings, by booking id."""
        found = await my_bookings(self.gw, self.who)
        return {b["booking_id"]: b for b in found if b["offering_id"] == self.market.offering_id}

    async def sessions_when(self, ok: Any, what: str) -> dict[str, dict[str, Any]]:
        async def probe() -> dict[str, dict[str, Any]] | None:
            now = await self.sessions()
            return now if ok(now) else None

        return await eventually(probe, timeout=30, what=what)


def weekly_pattern() -> list[dict[str, Any]]:
    """Three weekly sessions, none on today's weekday in Madrid: the first occurrence is at
    least a day away, so none of them can be "in the past" by the time booking handles the
    cycle, and the expected count depends only on the cycle's bounds."""
    today = datetime.now(ZoneInfo(ZONE)).weekday()
    return [
        {"weekday": (today + 1) % 7, "time": "09:30"},
        {"weekday": (today + 3) % 7, "time": "12:00"},
        {"weekday": (today + 5) % 7, "time": "18:45"},
    ]
