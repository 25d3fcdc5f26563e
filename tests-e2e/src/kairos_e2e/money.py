"""Money told == money moved: an oracle over the public API and Stripe (read-only).

Actors (the model-based test, the fault runner's workload) record in :class:`Told` what
the API answered them; :func:`check_money` then reads, once things are quiet, what each
person is shown (their bookings, their payment statement, their credits) and what Stripe
holds, and reports every disagreement:

* per person, the money Stripe took minus what it gave back equals what their statement
  says, and each PaymentIntent equals its statement line;
* each one-time booking's amount and refund equal its payment's line; each subscription
  cycle's refunds equal the refunds of its sessions; each refund a cancellation answered
  is the one the booking shows;
* a hold released with 204 has no booking and cost nothing;
* seats: free seats of each touched slot = capacity - confirmed bookings - live holds;
* credits: the balance is what was bought, spent and given back.

Nothing is read from a database: this is what a person (or an auditor with Stripe's API)
can see. Synchronous (httpx.Client); async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

B, P = "/api/booking", "/api/payments"
#: Statement statuses that are still on their way somewhere (not quiet yet).
MOVING = frozenset({"creating", "verified", "capturing", "voiding", "cancelling"})


@dataclass
class OfferingTold:
    offering_id: str
    provider_id: str
    capacity: int
    mentor: dict[str, str]  # the mentor's auth headers


@dataclass
class Told:
    """What the API answered, recorded by whoever asked."""

    people: dict[str, dict[str, str]] = field(default_factory=dict)  # mentee -> headers
    offerings: dict[str, OfferingTold] = field(default_factory=dict)
    holds: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> who, off, at
    released: set[str] = field(default_factory=set)  # DELETE /holds/{id} answered 204
    refunds: dict[str, int] = field(default_factory=dict)  # booking -> refund answered
    packs: dict[str, int] = field(default_factory=dict)  # purchase -> credits promised

    def person(self, user: uuid.UUID | str, headers: dict[str, str]) -> None:
        self.people[str(user)] = headers


@dataclass
class Seen:
    """One person as the API shows them now."""

    bookings: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    credits: dict[str, Any]
    customers: set[str]


class Oracle:
    def __init__(self, gateway_url: str, stripe_api_base: str, stripe_api_key: str) -> None:
        self.api = httpx.Client(base_url=gateway_url.rstrip("/"), timeout=30)
        self.stripe = httpx.Client(
            base_url=stripe_api_base.rstrip("/"), auth=(stripe_api_key, ""), timeout=30
        )

    def close(self) -> None:
        self.api.close()
        self.stripe.close()

    # --- reading ----------------------------------------------------------------------------

    def _get(self, path: str, headers: dict[str, str], **params: Any) -> Any:
        resp = self.api.get(path, headers=headers, params=params)
        if resp.status_code != 200:
            raise AssertionError(f"GET {path}: {resp.status_code} {resp.text[:300]}")
        return resp.json()

    def _all(self, path: str, headers: dict[str, str], **params: Any) -> list[Any]:
        """Every item of a paged list (following ``next_cursor``)."""
        found: list[Any] = []
        params = {**params, "limit": 200}
        while True:
            page = self._get(path, headers, **params)
            found += page["items"]
            if not page["has_more"]:
                return found
            params["cursor"] = page["next_cursor"]

    def see(self, headers: dict[str, str]) -> Seen:
        bookings = [
            *self._all(f"{B}/me/bookings", headers, when="upcoming"),
            *self._all(f"{B}/me/bookings", headers, when="past"),
        ]
        lines = self._pages(f"{P}/me/payments", headers)
        subs = self._pages(f"{P}/me/subscriptions", headers)
        customers = set()
        for s in subs:
            if s.get("stripe_subscription_id"):
                found = self.stripe.get(f"/v1/subscriptions/{s['stripe_subscription_id']}")
                customers.add(found.json()["customer"])
        credits = {
            "balance": self._get(f"{P}/credits", headers)["balance"],
            "ledger": self._pages(f"{P}/credits", headers, part="ledger"),
        }
        return Seen(bookings, lines, credits, customers)

    def _pages(self, path: str, headers: dict[str, str], part: str | None = None) -> list[Any]:
        """Every item of a list payments answers a page at a time (the page is the body,
        or its member ``part``), following ``next_cursor``."""
        params: dict[str, Any] = {"limit": 200}
        found: list[Any] = []
        while True:
            body = self._get(path, headers, **params)
            page = body[part] if part else body
            found += page["items"]
            if page["next_cursor"] is None:
                return found
            params["cursor"] = page["next_cursor"]

    def intents(self) -> list[dict[str, Any]]:
        """Every PaymentIntent Stripe holds (the local one serves all tests: filter after)."""
        found: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 100}
            if after:
                params["starting_after"] = after
            page = self.stripe.get("/v1/payment_intents", params=params).json()
            found += page["data"]
            if not page.get("has_more") or not page["data"]:
                return found
            after = page["data"][-1]["id"]

    def hold(self, hold_id: str, headers: dict[str, str]) -> dict[str, Any] | None:
        resp = self.api.get(f"{B}/holds/{hold_id}", headers=headers)
        return resp.json() if resp.status_code == 200 else None


def _net(intent: dict[str, Any]) -> int:
    """Money Stripe kept from a PaymentIntent: taken (succeeded) minus refunded."""
    if intent.get("status") != "succeeded":
        return 0
    charge = intent.get("latest_charge") or {}
    refunded = int(charge.get("amount_refunded") or 0) if isinstance(charge, dict) else 0
    return int(intent["amount"]) - refunded


def _owner(intent: dict[str, Any]) -> str | None:
    meta = intent.get("metadata") or {}
    return meta.get("mentee_id") or meta.get("user_id")


def credits_back(spent: int, amount: int, refund: int) -> int:
    """payments' rule: the same share of the credits as of the money, rounded down."""
    return spent if amount <= 0 or refund >= amount else spent * refund // amount


MONEY = "money told == money moved"
RELEASED = "a released hold is never booked or charged"
SEATS = "free seats == capacity - confirmed bookings - live holds"


def audit(oracle: Oracle, told: Told) -> dict[str, list[str]]:
    """The disagreements found, per invariant (an empty list: it holds)."""
    found: dict[str, list[str]] = {MONEY: [], RELEASED: [], SEATS: []}
    intents = oracle.intents()
    by_id = {i["id"]: i for i in intents}
    all_bookings: list[dict[str, Any]] = []
    for user, headers in told.people.items():
        seen = oracle.see(headers)
        all_bookings += seen.bookings
        mine = [i for i in intents if _owner(i) == user or i.get("customer") in seen.customers]
        found[MONEY] += _check_person(oracle, told, user, seen, mine, by_id)
        lines = {line["payment_id"]: line for line in seen.lines}
        found[RELEASED] += _check_released(told, user, seen.bookings, lines)
    found[MONEY] += _check_told_refunds(told, all_bookings)
    found[SEATS] += _check_seats(oracle, told)
    return found


def check_money(oracle: Oracle, told: Told) -> list[str]:
    """Every disagreement between what the API told and what happened (empty: none)."""
    return [f"{name}: {p}" for name, problems in audit(oracle, told).items() for p in problems]


def _check_person(
    oracle: Oracle,
    told: Told,
    user: str,
    seen: Seen,
    mine: list[dict[str, Any]],
    by_id: dict[str, dict[str, Any]],
) -> list[str]:
    out: list[str] = []
    lines = {line["payment_id"]: line for line in seen.lines}
    moving = [
        f"{x['kind']} {x['payment_id']} {x['status']}" for x in seen.lines if x["status"] in MOVING
    ]
    if moving:
        return [f"{user}: not settled yet: {moving}"]
    stated = sum(x["charged_minor"] - x["refunded_minor"] for x in seen.lines)
    moved = sum(_net(i) for i in mine)
    if stated != moved:
        out.append(f"{user}: statement says {stated} kept, Stripe kept {moved}")
    for line in seen.lines:
        intent = by_id.get(line.get("payment_intent_id") or "")
        if intent is not None and _net(intent) != line["charged_minor"] - line["refunded_minor"]:
            out.append(f"{user}: {line['payment_id']} says {line}, Stripe {_net(intent)}")
        if line["status"] == "open" and not _hold_live(oracle, line, told.people[user]):
            out.append(f"{user}: payment {line['payment_id']} open for a hold that ended")
    out += _check_bookings(user, seen.bookings, lines)
    out += _check_credits(told, user, seen)
    return out


def _hold_live(oracle: Oracle, line: dict[str, Any], headers: dict[str, str]) -> bool:
    hold = oracle.hold(line["hold_id"], headers) if line.get("hold_id") else None
    if hold is None or hold["status"] != "held":
        return False
    return datetime.fromisoformat(hold["expires_at"]) > datetime.now(UTC)


def _check_bookings(
    user: str, bookings: list[dict[str, Any]], lines: dict[str, dict[str, Any]]
) -> list[str]:
    out: list[str] = []
    refunds_of_cycle: dict[str, int] = defaultdict(int)
    booked_payments = set()
    for b in bookings:
        refund = (b["refund_amount_minor"] or 0) if b["status"] == "cancelled" else 0
        line = lines.get(b["payment_id"])
        if line is None:
            out.append(f"{user}: booking {b['booking_id']} paid by {b['payment_id']}, not stated")
            continue
        if b["subscription_id"] is not None:
            refunds_of_cycle[b["payment_id"]] += refund
            continue
        booked_payments.add(b["payment_id"])
        if b["payment_method"] == "credits":
            spent = line["credits_spent"] or 0
            back = credits_back(spent, b["amount_minor"], refund) if refund else 0
            if line["status"] != "captured" or line["credits_returned"] != back:
                out.append(f"{user}: credit booking {b['booking_id']} refund {refund}: {line}")
        elif (line["charged_minor"], line["refunded_minor"]) != (b["amount_minor"], refund):
            out.append(
                f"{user}: booking {b['booking_id']} ({b['status']}, refund {refund}) vs {line}"
            )
    for pid, line in lines.items():
        if line["kind"] == "cycle" and line["refunded_minor"] != refunds_of_cycle.get(pid, 0):
            out.append(f"{user}: cycle {pid} refunded {line['refunded_minor']}, sessions say "
                       f"{refunds_of_cycle.get(pid, 0)}")  # fmt: skip
        unbooked = line["kind"] == "checkout" and pid not in booked_payments
        if unbooked and line["charged_minor"] != line["refunded_minor"]:
            out.append(f"{user}: payment {pid} has no booking but kept money: {line}")
    return out


def _check_released(
    told: Told, user: str, bookings: list[dict[str, Any]], lines: dict[str, dict[str, Any]]
) -> list[str]:
    out: list[str] = []
    released = {h for h in told.released if told.holds.get(h, ("",))[0] == user}
    for b in bookings:
        if b.get("hold_id") in released:
            out.append(f"{user}: released hold {b['hold_id']} became booking {b['booking_id']}")
    for line in lines.values():
        if line.get("hold_id") in released and line["charged_minor"] != line["refunded_minor"]:
            out.append(f"{user}: released hold {line['hold_id']} was charged: {line}")
    return out


def _check_credits(told: Told, user: str, seen: Seen) -> list[str]:
    bought = sum(
        told.packs.get(x["payment_id"], 0)
        for x in seen.lines
        if x["kind"] == "credit_pack" and x["status"] == "credited"
    )
    spent = sum(
        (x["credits_spent"] or 0) - x["credits_returned"]
        for x in seen.lines
        if x["method"] == "credits" and x["status"] == "captured"
    )
    given = sum(
        e["delta"] for e in seen.credits["ledger"] if e["reason"] == "occurrence_unavailable"
    )
    expected = bought - spent + given
    if seen.credits["balance"] != expected:
        return [f"{user}: {seen.credits['balance']} credits, expected {bought} bought - "
                f"{spent} spent + {given} for unavailable sessions"]  # fmt: skip
    return []


def _check_told_refunds(told: Told, bookings: list[dict[str, Any]]) -> list[str]:
    shown = {b["booking_id"]: b for b in bookings}
    out = []
    for booking_id, refund in told.refunds.items():
        b = shown.get(booking_id)
        if b is None or b["status"] != "cancelled" or b["refund_amount_minor"] != refund:
            out.append(f"cancel of {booking_id} answered refund {refund}; now shown as {b}")
    return out


def _check_seats(oracle: Oracle, told: Told) -> list[str]:
    """Free seats of every slot a hold was placed on = capacity - bookings - live holds."""
    slots: dict[tuple[str, str], list[str]] = defaultdict(list)
    for hold_id, (_, offering, at) in told.holds.items():
        slots[(offering, at)].append(hold_id)
    now = datetime.now(UTC)
    out = []
    for (offering_id, at), holds in slots.items():
        starts = datetime.fromisoformat(at)
        if starts <= now + timedelta(hours=1) or offering_id not in told.offerings:
            continue  # the slot may have left the bookable window
        off = told.offerings[offering_id]
        live = sum(1 for h in holds if _is_live(oracle, told, h, now))
        booked = _confirmed_at(oracle, off, starts)
        free = _free_seats(oracle, offering_id, starts)
        if free != off.capacity - booked - live:
            out.append(f"slot {offering_id} {at}: {free} free, capacity {off.capacity}, "
                       f"{booked} booked, {live} live holds")  # fmt: skip
    return out


def _is_live(oracle: Oracle, told: Told, hold_id: str, now: datetime) -> bool:
    hold = oracle.hold(hold_id, told.people[told.holds[hold_id][0]])
    return bool(
        hold and hold["status"] == "held" and datetime.fromisoformat(hold["expires_at"]) > now
    )


def _confirmed_at(oracle: Oracle, off: OfferingTold, starts: datetime) -> int:
    params: dict[str, Any] = {**_around(starts.date()), "limit": 200}
    found: list[dict[str, Any]] = []
    while True:  # every page of the provider's schedule around that day
        page = oracle._get(f"{B}/providers/{off.provider_id}/schedule", off.mentor, **params)
        found += page["bookings"]
        if not page["has_more"]:
            break
        params["cursor"] = page["next_cursor"]
    return sum(
        1
        for b in found
        if b["offering_id"] == off.offering_id
        and b["status"] == "confirmed"
        and datetime.fromisoformat(b["starts_at"]) == starts
    )


def _around(day: date) -> dict[str, str]:
    return {
        "from": (day - timedelta(days=1)).isoformat(),
        "to": (day + timedelta(days=1)).isoformat(),
    }


def _free_seats(oracle: Oracle, offering_id: str, starts: datetime) -> int:
    day: date = starts.date()
    resp = oracle.api.get(
        f"{B}/offerings/{offering_id}/slots",
        params={
            "from": (day - timedelta(days=1)).isoformat(),
            "to": (day + timedelta(days=1)).isoformat(),
        },
    )
    slots = resp.json()["slots"] if resp.status_code == 200 else []
    return next((s["free"] for s in slots if datetime.fromisoformat(s["starts_at"]) == starts), 0)
