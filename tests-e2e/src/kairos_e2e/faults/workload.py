"""The mixed workload: mentors and offerings, then concurrent actors through the gateway.

Actors never assume a request works (a process may be down, the broker frozen): every
outcome is counted, failures included, and the invariants decide at the end. Waits for an
effect are polls with a deadline.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

from kairos_e2e.client import Gateway
from kairos_e2e.faults.sweep import ReminderSweep
from kairos_e2e.market import slots_day
from kairos_e2e.money import OfferingTold, Told
from kairos_e2e.observe import CalDavCalendar

B, P, C, A = "/api/booking", "/api/payments", "/api/calendar", "/api/attendance"
ZONE = "Europe/Madrid"
T = TypeVar("T")


def attendance_offset(now: datetime | None = None) -> timedelta:
    """How far ahead attendance's clock runs in a fault run (ATTENDANCE_CLOCK_OFFSET_S): to
    it, the run happens two days from now at 12:10 in Madrid, so the one-time sessions
    booked for that morning are over (the sweep marks the unmarked absent), the noon one is
    in its join window and started (mentors may mark it), the afternoon ones are ahead.
    The programme meets on other weekdays only, so no subscriber is swept."""
    now = now or datetime.now(UTC)
    noon = datetime.combine(slots_day(now), wall_time(12, 10), ZoneInfo(ZONE))
    return noon - now


def programme_pattern(now: datetime | None = None) -> list[dict[str, Any]]:
    """Daily at 18:00 except today and the next two days (Madrid): attendance, two days
    ahead, never sees a programme session as over during the run."""
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo(ZONE)).weekday()
    return [{"weekday": (today + k) % 7, "time": "18:00"} for k in range(3, 7)]


@dataclass
class Offering:
    mentor_id: uuid.UUID
    provider_id: str
    offering_id: str
    price_in_credits: int | None = None
    slots: list[str] = field(default_factory=list)


@dataclass
class World:
    gw: Gateway
    rng: random.Random
    one_time: list[Offering] = field(default_factory=list)
    programme: Offering | None = None
    stats: collections.Counter[str] = field(default_factory=collections.Counter)
    ahead: timedelta = field(default_factory=attendance_offset)  # attendance's clock
    told: Told = field(default_factory=Told)  # what the API answered (the money oracle's)
    sweep: ReminderSweep | None = None  # calendar-sync's clock (reminders), when swept
    until: float = 0.0  # time.monotonic() the load ends
    late: set[asyncio.Task[None]] = field(default_factory=set)  # changes near a reminder
    _tokens: dict[tuple[str, uuid.UUID], str] = field(default_factory=dict)

    def auth(self, role: str, user: uuid.UUID) -> dict[str, str]:
        key = (role, user)
        if key not in self._tokens:
            claims = {"email": f"{role}-{user.hex[:12]}@example.org"} if role == "mentee" else {}
            self._tokens[key] = self.gw.token(role, user_id=user, ttl_s=4 * 3600, **claims)
            if role == "mentee":
                self.told.person(user, {"Authorization": f"Bearer {self._tokens[key]}"})
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    async def hold(self, who: uuid.UUID, off: Offering, starts_at: str) -> str | None:
        """POST /holds; the hold's id when placed (recorded as told)."""
        resp = await self.call(
            "POST", f"{B}/holds", "hold",
            json={"offering_id": off.offering_id, "starts_at": starts_at},
            headers=self.auth("mentee", who),
        )  # fmt: skip
        if resp is None or resp.status_code != 201:
            return None
        self.told.holds[resp.json()["hold_id"]] = (str(who), off.offering_id, starts_at)
        return str(resp.json()["hold_id"])

    async def release(self, who: uuid.UUID, hold_id: str) -> None:
        resp = await self.call(
            "DELETE", f"{B}/holds/{hold_id}", "release_hold", headers=self.auth("mentee", who)
        )
        if resp is not None and resp.status_code == 204:
            self.told.released.add(hold_id)

    async def cancel(self, booking_id: str, what: str, headers: dict[str, str]) -> None:
        resp = await self.call(
            "POST", f"{B}/bookings/{booking_id}/cancel", what, json={"reason": "fault run"},
            headers=headers,
        )  # fmt: skip
        if resp is not None and resp.status_code == 200:
            self.told.refunds[booking_id] = resp.json()["refund_amount_minor"]

    async def browser_confirms(self, intent_id: str, card: str = "pm_card_visa") -> None:
        """What Stripe.js confirmCardPayment does: confirm with the card given."""
        auth = (self.gw.stripe_api_key, "")
        try:
            async with httpx.AsyncClient(
                base_url=self.gw.stripe_api_base, auth=auth, timeout=20
            ) as stripe:
                resp = await stripe.post(
                    f"/v1/payment_intents/{intent_id}/confirm", data={"payment_method": card}
                )
            self.stats[f"browser_confirm:{resp.status_code}"] += 1
        except httpx.HTTPError:
            self.stats["browser_confirm:error"] += 1

    async def call(self, method: str, path: str, what: str, **kw: Any) -> httpx.Response | None:
        """One request; transport errors count as ``<what>:error`` and return None."""
        try:
            resp = await self.gw.http.request(method, path, **kw)
        except httpx.HTTPError:
            self.stats[f"{what}:error"] += 1
            return None
        self.stats[f"{what}:{resp.status_code}"] += 1
        return resp


async def poll(probe: Callable[[], Awaitable[T | None]], timeout: float) -> T | None:
    """probe() until truthy or the deadline (None then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with_value = await probe()
        if with_value:
            return with_value
        await asyncio.sleep(0.25)
    return None


# -- setup ------------------------------------------------------------------------------


async def open_offering(
    world: World, *, capacity: int, price_in_credits: int | None = None, pattern: Any = None
) -> Offering:
    gw, mentor_id = world.gw, uuid.uuid4()
    who = world.auth("mentor", mentor_id)
    resp = await gw.http.post(
        f"{B}/providers",
        json={
            "display_name": "Fault Mentor",
            "email": f"mentor-{mentor_id.hex[:12]}@example.org",
            "time_zone": ZONE,
        },
        headers=who,
    )
    assert resp.status_code == 201, resp.text
    provider_id = resp.json()["provider_id"]
    week = [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)]
    resp = await gw.http.put(
        f"{B}/providers/{provider_id}/availability", json={"weekly": week}, headers=who
    )
    assert resp.status_code == 204, resp.text
    body: dict[str, Any] = {
        "title": "Fault-run session",
        "duration_min": 60,
        "price_minor": 4500,
        "currency": "EUR",
        "capacity": capacity,
    }
    if price_in_credits:
        body["price_in_credits"] = price_in_credits
    if pattern is not None:
        body |= {"kind": "recurring", "pattern": pattern}
    resp = await gw.http.post(f"{B}/providers/{provider_id}/offerings", json=body, headers=who)
    assert resp.status_code == 201, resp.text
    off = Offering(mentor_id, provider_id, resp.json()["offering_id"], price_in_credits)
    if pattern is None:
        told = OfferingTold(off.offering_id, provider_id, capacity, who)
        world.told.offerings[off.offering_id] = told
        start = slots_day()
        resp = await gw.http.get(
            f"{B}/offerings/{off.offering_id}/slots",
            params={"from": start.isoformat(), "to": (start + timedelta(days=4)).isoformat()},
        )
        assert resp.status_code == 200, resp.text
        off.slots = [s["starts_at"] for s in resp.json()["slots"]]
    await connect_calendar(world, mentor_id)
    return off


async def connect_calendar(world: World, user: uuid.UUID) -> None:
    """A Radicale calendar for the mentor, connected in calendar-sync (CalDAV)."""
    name = f"mentor-{user.hex[:12]}"
    cal = CalDavCalendar(world.gw.caldav_url, name)
    await cal.create()
    resp = await world.gw.http.post(
        f"{C}/connections",
        json={
            "kind": "caldav",
            "calendar_url": cal.url,
            "username": name,
            "password": cal.password,
        },
        headers=world.auth("mentor", user),
    )
    assert resp.status_code == 201, resp.text


async def setup(world: World) -> None:
    world.one_time.append(await open_offering(world, capacity=3, price_in_credits=3))
    world.one_time.append(await open_offering(world, capacity=3))
    world.programme = await open_offering(world, capacity=5, pattern=programme_pattern())


# -- actors -----------------------------------------------------------------------------


async def _checkout(world: World, who: dict[str, str], hold_id: str, **body: Any) -> int | None:
    """POST /checkouts, retried while payments has not heard of the hold (404
    hold-unknown: it waited HOLD_WAIT_S, but a fault may hold HoldPlaced back longer), while
    another checkout of it runs (409 + Retry-After) or while payments is unreachable; the
    final status code (None: gave up)."""
    resp = await _checkout_answer(world, who, hold_id, **body)
    return resp.status_code if resp is not None else None


async def _checkout_answer(
    world: World, who: dict[str, str], hold_id: str, **body: Any
) -> httpx.Response | None:
    async def once() -> httpx.Response | None:
        resp = await world.call(
            "POST", f"{P}/checkouts", "checkout", json={"hold_id": hold_id, **body}, headers=who
        )
        if resp is None or resp.status_code >= 500:
            return None
        if resp.status_code == 409 and resp.headers.get("Retry-After"):
            return None
        if resp.status_code == 404 and resp.json()["type"].endswith("/hold-unknown"):
            return None  # the hold exists (booking answered it): its event is late
        return resp

    return await poll(once, timeout=45)


async def _booking_for(
    world: World, who: dict[str, str], offering_id: str, starts_at: str, timeout: float = 60
) -> dict[str, Any] | None:
    want = datetime.fromisoformat(starts_at)

    async def probe() -> dict[str, Any] | None:
        resp = await world.call(
            "GET", f"{B}/me/bookings", "my_bookings",
            params={"when": "upcoming", "limit": 200}, headers=who,
        )  # fmt: skip
        if resp is None or resp.status_code != 200:
            return None
        for b in resp.json()["items"]:
            if (
                b["offering_id"] == offering_id
                and datetime.fromisoformat(b["starts_at"]) == want
                and b["status"] == "confirmed"
            ):
                return dict(b)
        return None

    return await poll(probe, timeout)


async def _after_booking(
    world: World, off: Offering, mentee: uuid.UUID, booked: dict[str, Any]
) -> None:
    rng, bid = world.rng, booked["booking_id"]
    await _attend(world, off, mentee, booked)
    roll = rng.random()
    if roll < 0.25:
        await world.cancel(bid, "cancel_by_mentee", world.auth("mentee", mentee))
    elif roll < 0.4:
        await world.cancel(bid, "cancel_by_mentor", world.auth("mentor", off.mentor_id))
    elif roll < 0.45:
        await world.cancel(bid, "cancel_by_admin", world.auth("admin", uuid.uuid4()))
    elif roll < 0.6:
        await world.call(
            "POST", f"{B}/bookings/{bid}/reschedule", "reschedule",
            json={"starts_at": rng.choice(off.slots)}, headers=world.auth("mentee", mentee),
        )  # fmt: skip
    elif roll < 0.8 and world.sweep is not None:
        task = asyncio.create_task(_near_a_reminder(world, off, mentee, booked))
        world.late.add(task)
        task.add_done_callback(world.late.discard)


async def _near_a_reminder(
    world: World, off: Offering, mentee: uuid.UUID, booked: dict[str, Any]
) -> None:
    """Cancelled (by the mentee or the mentor) or moved when calendar-sync's swept clock is
    within half an hour either side of one of the booking's reminders: the reminder job,
    the mail job and the cancellation race (the invariant: no reminder for a cancelled
    session, none twice)."""
    rng, sweep, bid = world.rng, world.sweep, booked["booking_id"]
    assert sweep is not None
    starts = datetime.fromisoformat(booked["starts_at"])
    due = starts - timedelta(minutes=rng.choice([1440, 60]) + rng.uniform(-30, 30))
    at = sweep.wall_at(due)
    wait = None if at is None else at - time.time()
    if wait is None or wait <= 0 or time.monotonic() + wait >= world.until:
        world.stats["near_reminder_missed"] += 1
        return
    await asyncio.sleep(wait)  # until calendar-sync's clock reaches that moment
    roll = rng.random()
    if roll < 0.4:
        await world.cancel(bid, "near_reminder_cancel_by_mentee", world.auth("mentee", mentee))
    elif roll < 0.7:
        await world.cancel(
            bid, "near_reminder_cancel_by_mentor", world.auth("mentor", off.mentor_id)
        )
    else:
        await world.call(
            "POST", f"{B}/bookings/{bid}/reschedule", "near_reminder_reschedule",
            json={"starts_at": rng.choice(off.slots)}, headers=world.auth("mentee", mentee),
        )  # fmt: skip


async def _attend(world: World, off: Offering, mentee: uuid.UUID, booked: dict[str, Any]) -> None:
    """Joins and marks, as attendance sees the session (its clock runs ahead): a mentee
    joins a session in its window, a mentor marks one that started (and sometimes
    corrects the mark). Outside the window the 409 is counted like any answer."""
    rng, bid = world.rng, booked["booking_id"]
    now = datetime.now(UTC) + world.ahead
    starts = datetime.fromisoformat(booked["starts_at"])
    in_window = starts - timedelta(minutes=10) <= now <= starts + timedelta(minutes=15)
    if in_window or rng.random() < 0.1:
        await world.call(
            "POST", f"{A}/sessions/{bid}/join", "join", headers=world.auth("mentee", mentee)
        )
    if starts <= now and rng.random() < 0.5:
        mentor = world.auth("mentor", off.mentor_id)
        for attended in [rng.random() < 0.5] + ([True] if rng.random() < 0.3 else []):
            await world.call(
                "PUT", f"{A}/sessions/{bid}/attendance", "mentor_mark",
                json={"attended": attended}, headers=mentor,
            )  # fmt: skip


async def _abandon(world: World, mentee: uuid.UUID, hold_id: str) -> None:
    """Given up: sometimes with a PaymentIntent open, sometimes already authorized in the
    browser; the release answered 204 must mean never booked, never charged."""
    who, rng = world.auth("mentee", mentee), world.rng
    if rng.random() < 0.6:
        opened = await _checkout_answer(world, who, hold_id, method="card")
        if opened is not None and opened.status_code in (200, 201) and rng.random() < 0.6:
            await world.browser_confirms(opened.json()["payment_intent_id"])
            world.stats["released_after_browser_paid"] += 1
    await world.release(mentee, hold_id)
    world.stats["abandoned_release"] += 1


async def _pay_after_a_decline_or_in_the_browser(
    world: World, mentee: uuid.UUID, hold_id: str
) -> int | None:
    """A declined card, then another (the hold kept meanwhile); or a card confirmed in
    the browser, the checkout told of it or not. The final checkout status."""
    who, rng = world.auth("mentee", mentee), world.rng
    if rng.random() < 0.5:
        declined = await _checkout(
            world, who, hold_id, method="card", payment_method_id="pm_card_chargeCustomerFail"
        )
        world.stats[f"declined_card:{declined}"] += 1
        return await _checkout(world, who, hold_id, method="card", payment_method_id="pm_card_visa")
    opened = await _checkout_answer(world, who, hold_id, method="card")
    if opened is None or opened.status_code not in (200, 201):
        return opened.status_code if opened is not None else None
    await world.browser_confirms(opened.json()["payment_intent_id"])
    if rng.random() < 0.5:
        await world.call(
            "POST", f"{P}/checkouts/{opened.json()['payment_id']}/confirmation", "confirmation",
            headers=who,
        )  # fmt: skip
    return opened.status_code


async def booker(world: World, until: float, max_ops: int) -> None:
    """Paid one-time bookings (card), some abandoned, then cancelled/rescheduled/kept."""
    rng = world.rng
    for _ in range(max_ops):
        if time.monotonic() >= until:
            return
        off = rng.choice(world.one_time)
        mentee = uuid.uuid4()
        who = world.auth("mentee", mentee)
        starts_at = rng.choice(off.slots)
        hold_id = await world.hold(mentee, off, starts_at)
        if hold_id is None:
            await asyncio.sleep(rng.uniform(0.2, 1.0))  # pacing: the next attempt
            continue
        roll = rng.random()
        if roll < 0.08:
            world.stats["abandoned_lapse"] += 1  # left to expire (HOLD_TTL_S)
            continue
        if roll < 0.2:
            await _abandon(world, mentee, hold_id)
            continue
        if roll < 0.4:
            code = await _pay_after_a_decline_or_in_the_browser(world, mentee, hold_id)
        else:
            code = await _checkout(
                world, who, hold_id, method="card", payment_method_id="pm_card_visa"
            )
        world.stats[f"card_checkout_final:{code}"] += 1
        if code in (200, 201):
            booked = await _booking_for(world, who, off.offering_id, starts_at)
            if booked is None:
                world.stats["booking_not_seen_in_time"] += 1
            else:
                await _after_booking(world, off, mentee, booked)
        await asyncio.sleep(rng.uniform(0.3, 1.5))  # pacing between bookings


async def creditor(world: World, until: float, max_ops: int) -> None:
    """Buys a credit pack, pays sessions with credits (some 402), sometimes cancels."""
    rng = world.rng
    offs = [o for o in world.one_time if o.price_in_credits]
    for _ in range(max_ops):
        if time.monotonic() >= until:
            return
        mentee = uuid.uuid4()
        who = world.auth("mentee", mentee)
        bought = await world.call(
            "POST", f"{P}/credits/purchases", "credit_purchase",
            json={"pack": "starter", "payment_method_id": "pm_card_visa"}, headers=who,
        )  # fmt: skip
        if bought is None or bought.status_code != 201:
            await asyncio.sleep(1.0)  # pacing
            continue
        world.told.packs[bought.json()["purchase_id"]] = bought.json()["credits"]

        async def balance(who: dict[str, str] = who) -> int | None:
            resp = await world.call("GET", f"{P}/credits", "credit_balance", headers=who)
            if resp is None or resp.status_code != 200:
                return None
            return int(resp.json()["balance"]) or None

        if not await poll(balance, timeout=60):
            world.stats["credits_not_seen_in_time"] += 1
            continue
        for _ in range(2):  # 5 credits, 3 per session: the second is a 402
            off = rng.choice(offs)
            starts_at = rng.choice(off.slots)
            hold_id = await world.hold(mentee, off, starts_at)
            if hold_id is None:
                continue
            code = await _checkout(world, who, hold_id, method="credits")
            world.stats[f"credit_checkout_final:{code}"] += 1
            if code == 402:
                await world.release(mentee, hold_id)
            elif code == 201 and rng.random() < 0.4:
                booked = await _booking_for(world, who, off.offering_id, starts_at)
                if booked is not None:
                    await _after_booking(world, off, mentee, booked)
        await asyncio.sleep(rng.uniform(0.5, 2.0))  # pacing


async def subscriber(world: World, until: float, rounds: int) -> None:
    """Subscribes to the programme, then unsubscribes and reactivates (mentee or admin)."""
    rng, prog = world.rng, world.programme
    assert prog is not None
    mentee = uuid.uuid4()
    who = world.auth("mentee", mentee)

    async def subscribe() -> httpx.Response | None:
        resp = await world.call(
            "POST", f"{P}/subscriptions", "subscribe",
            json={"offering_id": prog.offering_id, "payment_method_id": "pm_card_visa"},
            headers=who,
        )  # fmt: skip
        if resp is None or resp.status_code >= 500:
            return None
        if resp.status_code == 404 and resp.json()["type"].endswith("/unknown-offering"):
            return None  # the programme is on sale: its OfferingPublished is late (a fault)
        return None if resp.status_code == 409 and resp.headers.get("Retry-After") else resp

    resp = await poll(subscribe, timeout=60)
    if resp is None or resp.status_code != 201:
        world.stats["subscription_not_made"] += 1
        return
    sid = resp.json()["subscription_id"]
    for _ in range(rounds):
        await asyncio.sleep(rng.uniform(3, 10))  # pacing: a while subscribed
        if time.monotonic() >= until:
            return
        if rng.random() < 0.4:
            await _cancel_a_session(world, mentee, prog)
        cancel = await world.call(
            "POST", f"{P}/subscriptions/{sid}/cancel", "unsubscribe", headers=who
        )
        if cancel is None or cancel.status_code >= 300:
            continue
        await asyncio.sleep(rng.uniform(2, 8))  # pacing: a while unsubscribed
        if time.monotonic() >= until or rng.random() < 0.1:
            return  # ends unsubscribed
        if rng.random() < 0.5:
            path, headers = f"{P}/subscriptions/{sid}/reactivate", who
        else:
            path, headers = (
                f"{P}/admin/subscriptions/{sid}/reactivate",
                world.auth("admin", uuid.uuid4()),
            )
        await poll(functools.partial(_reactivate, world, path, headers), timeout=30)


async def _cancel_a_session(world: World, mentee: uuid.UUID, prog: Offering) -> None:
    """One upcoming programme session cancelled by the mentee, the mentor or an admin: the
    refund the answer names is what the cycle's card must get back."""
    who = world.auth("mentee", mentee)
    resp = await world.call(
        "GET", f"{B}/me/bookings", "my_bookings",
        params={"when": "upcoming", "limit": 200}, headers=who,
    )  # fmt: skip
    if resp is None or resp.status_code != 200:
        return
    sessions = [
        b
        for b in resp.json()["items"]
        if b["status"] == "confirmed" and b["subscription_id"] is not None
    ]
    if not sessions:
        return
    actor = world.rng.choice(["mentee", "mentor", "admin"])
    headers = {
        "mentee": who,
        "mentor": world.auth("mentor", prog.mentor_id),
        "admin": world.auth("admin", uuid.uuid4()),
    }[actor]
    await world.cancel(world.rng.choice(sessions)["booking_id"], f"session_cancel_{actor}", headers)


async def _reactivate(world: World, path: str, headers: dict[str, str]) -> bool:
    resp = await world.call("POST", path, "reactivate", headers=headers)
    # 409: not cancelled (yet/any more) -- a cancel still "cancelling" is finished by
    # reconciliation; retry within the deadline.
    return resp is not None and resp.status_code < 300


async def drive(world: World, seconds: float, *, bookers: int = 3, subscribers: int = 4) -> None:
    until = world.until = time.monotonic() + seconds
    actors = [booker(world, until, max_ops=400) for _ in range(bookers)]
    actors.append(creditor(world, until, max_ops=100))
    actors += [subscriber(world, until, rounds=20) for _ in range(subscribers)]
    results = await asyncio.gather(*actors, return_exceptions=True)
    # changes near a reminder still waiting (each ends by the load's end)
    results += await asyncio.gather(*list(world.late), return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            world.stats[f"actor_crashed:{type(r).__name__}: {r}"] += 1
