"""A mentor with an offering, and a mentee who books or subscribes to it, through the gateway.

Shared by the end-to-end tests: every call is what a frontend would send, with that user's
token, made with the typed client generated from the merged OpenAPI (``kairos_client``, one
per user: ``Gateway.api(who)``), so the helpers answer its models (``SlotOut``,
``BookingOut``, ``SubscriptionOut``...) or an ``Answer`` where the status is the point.
Stripe is looked at only the way an operator would (its API, read-only).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

import httpx
from kairos_client import AuthenticatedClient
from kairos_client.api.booking import (
    booking_create_offering,
    booking_create_provider,
    booking_mine,
    booking_my_bookings,
    booking_place_hold,
    booking_set_weekly,
    booking_slots,
)
from kairos_client.api.payments import (
    payments_create_checkout,
    payments_my_subscriptions,
    payments_subscribe,
)
from kairos_client.models import (
    BookingOut,
    CheckoutIn,
    CheckoutInMethod,
    CheckoutOut,
    EnrollmentOut,
    HoldIn,
    HoldOut,
    OfferingIn,
    OfferingOut,
    PatternEntryIn,
    ProviderIn,
    ProviderOut,
    SlotOut,
    SubscribeIn,
    SubscriptionOut,
    WeeklyHoursIn,
)
from kairos_client.types import UNSET

from kairos_e2e.client import Answer, Gateway, answer, eventually

B, P, C = "/api/booking", "/api/payments", "/api/calendar"
ZONE = "Europe/Madrid"

Who = dict[str, str]  # a user's auth headers (Gateway.as_user); Gateway.api(who) acts as them
# A start: the typed client's datetime, or the API's ISO 8601 text (compared as instants).
Instant = datetime | str


class Market:
    """One mentor (a provider in Europe/Madrid, open every day) with one offering.

    ``pattern`` (``[{"weekday": 0..6, "time": "HH:MM"}]``) makes the offering a recurring
    programme (``kind: recurring``); otherwise it is a one-time offering booked by slot.
    """

    provider: ProviderOut
    offering: OfferingOut

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

    @property
    def provider_id(self) -> uuid.UUID:
        return self.provider.provider_id

    @property
    def offering_id(self) -> uuid.UUID:
        return self.offering.offering_id

    async def open(self) -> None:
        api = self.gw.api(self.mentor)
        provider = await answer(
            booking_create_provider.asyncio_detailed(
                client=api,
                body=ProviderIn(display_name="Ada Mentor", email=self.email, time_zone=ZONE),
            )
        )
        assert provider.status_code == 201, provider.text
        self.provider = provider.model
        week = [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)]
        hours = await answer(
            booking_set_weekly.asyncio_detailed(self.provider_id, client=api, body=weekly(week))
        )
        assert hours.status_code == 204, hours.text
        body = OfferingIn(
            title=self.title,
            duration_min=60,
            price_minor=self.price_minor,
            currency="EUR",
            capacity=self.capacity,
            price_in_credits=self.price_in_credits or UNSET,
        )
        if self.pattern is not None:
            body.kind = "recurring"
            body.pattern = [PatternEntryIn.from_dict(e) for e in self.pattern]  # see weekly()
        offering = await answer(
            booking_create_offering.asyncio_detailed(self.provider_id, client=api, body=body)
        )
        assert offering.status_code == 201, offering.text
        self.offering = offering.model

    async def slots(self, day: date | None = None) -> list[SlotOut]:
        """The bookable slots of ``day`` (``slots_day()`` by default) and the next."""
        start = day or slots_day()
        resp = await answer(
            booking_slots.asyncio_detailed(
                self.offering_id,
                client=self.gw.public,
                from_=start,
                to=start + timedelta(days=1),
            )
        )
        assert resp.status_code == 200, resp.text
        return resp.model.slots

    async def hold(self, mentee: Who, starts_at: Instant) -> Answer[HoldOut]:
        return await answer(
            booking_place_hold.asyncio_detailed(
                client=self.gw.api(mentee),
                body=HoldIn(offering_id=self.offering_id, starts_at=instant(starts_at)),
            )
        )

    async def free_seats(self, starts_at: Instant) -> int:
        # A slot with no free seat is not listed at all.
        at = instant(starts_at)
        return next((s.free for s in await self.slots() if s.starts_at == at), 0)

    async def book(self, who: Who, starts_at: Instant) -> BookingOut:
        """A paid one-time session (hold, card checkout with pm_card_visa): the booking."""
        hold = await self.hold(who, starts_at)
        assert hold.status_code == 201, hold.text
        paid = await checkout(
            self.gw, who, hold.model.hold_id, method="card", payment_method_id="pm_card_visa"
        )
        assert paid.status_code == 201, paid.text
        booked = await eventually(
            lambda: booking_of(self.gw, who, starts_at), what=f"the booking at {starts_at}"
        )
        assert booked.status == "confirmed", booked
        return booked


def weekly(ranges: list[dict[str, Any]]) -> WeeklyHoursIn:
    """Weekly hours ``[{"weekday": 0..6, "start": "HH:MM", "end": "HH:MM"}]``. Built from
    dicts: the document types these wall times (and a pattern's ``time``) as integers, the
    minutes booking turns them into, while the API takes only "HH:MM" text; the generated
    models pass what they are given through unchanged."""
    return WeeklyHoursIn.from_dict({"weekly": ranges})


def mentee(gw: Gateway, **claims: Any) -> tuple[uuid.UUID, Who]:
    user = uuid.uuid4()
    return user, gw.as_user("mentee", user_id=user, **claims)


async def checkout(
    gw: Gateway,
    who: Who,
    hold_id: uuid.UUID,
    *,
    method: CheckoutInMethod = "card",
    payment_method_id: str | None = None,
) -> Answer[CheckoutOut]:
    """POST /checkouts for ``hold_id``, waiting while payments answers 409 + Retry-After (a
    hold it has not heard of yet is waited for, not refused): 201 ``CheckoutOut`` for a new
    payment, 200 for one settled again, or the refusal."""
    body = CheckoutIn(
        hold_id=hold_id,
        method=method,
        payment_method_id=UNSET if payment_method_id is None else payment_method_id,
    )

    async def once() -> Answer[CheckoutOut] | None:
        resp = await answer(
            payments_create_checkout.asyncio_detailed(client=gw.api(who), body=body)
        )
        # 409 with Retry-After: another checkout of this hold is running.
        return None if resp.status_code == 409 and resp.headers.get("Retry-After") else resp

    return await eventually(once, timeout=15, what="checkout accepted")


async def my_bookings(gw: Gateway, who: Who) -> list[BookingOut]:
    """Every upcoming booking of ``who`` (all pages)."""
    found: list[BookingOut] = []
    cursor: str | None = None
    while True:
        resp = await answer(
            booking_my_bookings.asyncio_detailed(
                client=gw.api(who), when="upcoming", limit=200, cursor=cursor or UNSET
            )
        )
        assert resp.status_code == 200, resp.text
        page = resp.model
        found += page.items
        if not page.has_more:
            return found
        assert isinstance(page.next_cursor, str), page
        cursor = page.next_cursor


async def booking_of(gw: Gateway, who: Who, starts_at: Instant) -> BookingOut | None:
    at = instant(starts_at)
    return next((b for b in await my_bookings(gw, who) if b.starts_at == at), None)


class StripeIntent(TypedDict):
    """The fields of a Stripe PaymentIntent the tests read (the rest are there too)."""

    status: str
    amount: int


def stripe_intent(gw: Gateway, intent_id: str) -> StripeIntent:
    api, key = gw.stripe_api_base, gw.stripe_api_key
    resp = httpx.get(f"{api}/v1/payment_intents/{intent_id}", auth=(key, ""), timeout=10)
    resp.raise_for_status()
    intent: StripeIntent = resp.json()
    return intent


def instant(value: Instant) -> datetime:
    """An ISO 8601 timestamp from the API as an aware datetime (compare instants, not text);
    the typed client's datetimes as they are."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def stripe_get(gw: Gateway, path: str, **params: Any) -> dict[str, Any]:
    """Read-only look at the stack's Stripe, as an operator would."""
    resp = httpx.get(
        f"{gw.stripe_api_base}{path}", params=params, auth=(gw.stripe_api_key, ""), timeout=10
    )
    resp.raise_for_status()
    return dict(resp.json())


class Subscriber:
    """A mentee with a subscription to ``market``'s programme."""

    subscription_id: uuid.UUID

    def __init__(
        self, gw: Gateway, market: Market, user: tuple[uuid.UUID, Who] | None = None
    ) -> None:
        self.gw, self.market = gw, market
        self.user_id, self.who = user or mentee(gw)

    @property
    def api(self) -> AuthenticatedClient:
        return self.gw.api(self.who)

    async def subscribe(self) -> SubscriptionOut:
        body = SubscribeIn(offering_id=self.market.offering_id, payment_method_id="pm_card_visa")

        async def accepted() -> Answer[SubscriptionOut] | None:
            resp = await answer(payments_subscribe.asyncio_detailed(client=self.api, body=body))
            # 409 + Retry-After: the service is busy (an offering payments has not heard of
            # yet is waited for, not refused).
            return None if resp.status_code == 409 and resp.headers.get("Retry-After") else resp

        resp = await eventually(accepted, timeout=20, what="the subscription accepted")
        assert resp.status_code == 201, resp.text
        self.subscription_id = resp.model.subscription_id
        return resp.model

    async def subscription(self) -> SubscriptionOut:
        resp = await answer(payments_my_subscriptions.asyncio_detailed(client=self.api))
        assert resp.status_code == 200, resp.text
        (only,) = [s for s in resp.model.items if s.subscription_id == self.subscription_id]
        return only

    async def enrollment(self) -> EnrollmentOut | None:
        resp = await answer(booking_mine.asyncio_detailed(client=self.api))
        assert resp.status_code == 200, resp.text
        mine = [e for e in resp.model if e.offering.offering_id == self.market.offering_id]
        assert len(mine) <= 1, mine  # one enrollment per (offering, mentee)
        return mine[0] if mine else None

    async def sessions(self) -> dict[uuid.UUID, BookingOut]:
        """The programme's upcoming sessions in /me/bookings, by booking id."""
        found = await my_bookings(self.gw, self.who)
        return {b.booking_id: b for b in found if b.offering_id == self.market.offering_id}

    async def sessions_when(
        self, ok: Callable[[dict[uuid.UUID, BookingOut]], Any], what: str
    ) -> dict[uuid.UUID, BookingOut]:
        async def probe() -> dict[uuid.UUID, BookingOut] | None:
            now = await self.sessions()
            return now if ok(now) else None

        return await eventually(probe, timeout=30, what=what)


def slots_day(now: datetime | None = None) -> date:
    """The day the tests book one-time slots on: the day after tomorrow in Madrid, the
    providers' zone (slots are asked for by the provider's local dates). From 23:00 to 24:00
    UTC the UTC date is a day behind Madrid's, and that day was a programme day."""
    return ((now or datetime.now(UTC)).astimezone(ZoneInfo(ZONE)) + timedelta(days=2)).date()


def weekly_pattern(now: datetime | None = None) -> list[dict[str, Any]]:
    """Three weekly sessions, none on today's weekday in Madrid: the first occurrence is at
    least a day away, so none of them can be "in the past" by the time booking handles the
    cycle, and the expected count depends only on the cycle's bounds. None on the
    ``slots_day`` either, so a one-time slot of the same provider is never taken by them."""
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(ZONE)).weekday()
    return [
        {"weekday": (today + 1) % 7, "time": "09:30"},
        {"weekday": (today + 3) % 7, "time": "12:00"},
        {"weekday": (today + 5) % 7, "time": "18:45"},
    ]
