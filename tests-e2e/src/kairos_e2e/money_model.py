"""A model-based test of the money paths, through the gateway: seeded random walks.

Each sequence is a fresh little market (a mentor with a one-time offering of two seats and
a weekly programme, three mentees, an admin) driven by a random sequence of what people
do: hold, release, pay by card on the server or in the browser (a good or a declined card,
telling payments or not), pay with credits, buy credits, cancel as mentee, mentor or admin,
reschedule, subscribe, unsubscribe, reactivate, cancel programme sessions. Every answer is
recorded in a :class:`~kairos_e2e.money.Told`; when the sequence ends, the oracle
(:func:`~kairos_e2e.money.check_money`) is polled until it holds or a deadline passes.

Why not Hypothesis's RuleBasedStateMachine: against a live system its shrinking cannot
replay (the platform keeps the state of every earlier example), and its generation starts
from the simplest example (the first rule, over and over), so short bounded runs barely
move money. Here each action is drawn with a weight from one ``random.Random(seed)``:
the same seed replays the same walk, and the seed is printed.

Run bounded by the suite (``tests-e2e/tests/test_money_model.py``) or for long against a
stack of its own::

    uv run python -m kairos_e2e.money_model --steps 5000 [--seed N] [--per-sequence 40]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from kairos_e2e.market import slots_day, weekly_pattern
from kairos_e2e.money import B, OfferingTold, Oracle, P, Told, check_money
from kairos_platform.tokens_cli import mint_token

ZONE = "Europe/Madrid"
CARDS = ("pm_card_visa", "pm_card_chargeCustomerFail")
ACTORS = ("mentee", "mentor", "admin")


@dataclass
class Stack:
    """Where the platform is, and the stack's token key (mints every role's token)."""

    gateway_url: str
    stripe_api_base: str
    stripe_api_key: str
    private_key: bytes
    quiet_s: float = 90.0  # how long the oracle may wait for things to settle
    stats: Counter[str] = field(default_factory=Counter)

    def auth(self, role: str, user: uuid.UUID, **claims: Any) -> dict[str, str]:
        token = mint_token(
            self.private_key, sub=user, roles=[role], issuer="kairos-local",
            audience="kairos", ttl_s=4 * 3600, extra_claims=claims or None,
        )  # fmt: skip
        return {"Authorization": f"Bearer {token}"}


class MoneyModel:
    """One sequence: a fresh market and what its people do to it."""

    def __init__(self, stack: Stack, rng: random.Random) -> None:
        self.stack, self.rng = stack, rng
        s = stack
        self.http = httpx.Client(base_url=s.gateway_url, timeout=30)
        self.stripe = httpx.Client(
            base_url=s.stripe_api_base, auth=(s.stripe_api_key, ""), timeout=30
        )
        self.told = Told()
        self.admin = s.auth("admin", uuid.uuid4())
        self.mentees = [uuid.uuid4() for _ in range(3)]
        for m in self.mentees:
            self.told.person(m, self._mentee(m))
        self.subscriptions: dict[str, str] = {}  # mentee -> subscription id
        self._open_market()

    # --- the world ---------------------------------------------------------------------------

    def _mentee(self, m: uuid.UUID) -> dict[str, str]:
        return self.stack.auth("mentee", m, email=f"m-{m.hex[:10]}@example.org")

    def _call(self, method: str, path: str, what: str, **kw: Any) -> httpx.Response:
        resp = self.http.request(method, path, **kw)
        assert resp.status_code < 500 or resp.status_code == 503, (what, resp.text)
        self.stack.stats[f"{what}:{resp.status_code}"] += 1
        return resp

    def _retrying(self, method: str, path: str, what: str, **kw: Any) -> httpx.Response:
        """409 + Retry-After: a concurrent request for the same thing is running (what
        payments has not heard of yet by event is waited for there, not refused)."""
        until = time.monotonic() + 15
        while True:
            resp = self._call(method, path, what, **kw)
            if not (resp.status_code == 409 and resp.headers.get("Retry-After")):
                return resp
            if time.monotonic() > until:
                return resp
            time.sleep(0.1)

    def _open_market(self) -> None:
        mentor_id = uuid.uuid4()
        self.mentor = self.stack.auth("mentor", mentor_id)
        provider = self._call(
            "POST", f"{B}/providers", "provider", headers=self.mentor,
            json={"display_name": "Ada", "email": f"a-{mentor_id.hex[:8]}@example.org",
                  "time_zone": ZONE},
        )  # fmt: skip
        assert provider.status_code == 201, provider.text
        pid = provider.json()["provider_id"]
        week = [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)]
        hours = self._call(
            "PUT", f"{B}/providers/{pid}/availability", "hours", json={"weekly": week},
            headers=self.mentor,
        )  # fmt: skip
        assert hours.status_code == 204, hours.text
        one_time = self._offering(pid, capacity=2, price_minor=4500, price_in_credits=2)
        self.told.offerings[one_time] = OfferingTold(one_time, pid, 2, self.mentor)
        self.one_time = one_time
        self.programme = self._offering(
            pid, capacity=3, price_minor=3000, kind="recurring", pattern=weekly_pattern()
        )
        day = slots_day()
        slots = self._call(
            "GET", f"{B}/offerings/{one_time}/slots", "slots",
            params={"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()},
        ).json()["slots"]  # fmt: skip
        self.slots = [s["starts_at"] for s in slots[:5]]

    def _offering(self, provider_id: str, **body: Any) -> str:
        resp = self._call(
            "POST", f"{B}/providers/{provider_id}/offerings", "offering", headers=self.mentor,
            json={"title": "Mentoring", "duration_min": 60, "currency": "EUR", **body},
        )  # fmt: skip
        assert resp.status_code == 201, resp.text
        return str(resp.json()["offering_id"])

    def _who(self, i: int) -> tuple[uuid.UUID, dict[str, str]]:
        m = self.mentees[i % len(self.mentees)]
        return m, self.told.people[str(m)]

    def _hold_of(self, i: int) -> tuple[str, dict[str, str]]:
        ids = sorted(self.told.holds)
        hold_id = ids[i % len(ids)]
        return hold_id, self.told.people[self.told.holds[hold_id][0]]

    def _bookings(self, headers: dict[str, str], programme: bool) -> list[dict[str, Any]]:
        resp = self._call(
            "GET", f"{B}/me/bookings", "my-bookings", headers=headers, params={"limit": 200}
        )
        return [
            b
            for b in resp.json()["items"]
            if b["status"] == "confirmed"
            and (b["subscription_id"] is not None) == programme
            and datetime.fromisoformat(b["starts_at"]) > datetime.now(UTC) + timedelta(hours=1)
        ]

    def _actor(self, actor: str, mentee: dict[str, str]) -> dict[str, str]:
        return {"mentee": mentee, "mentor": self.mentor, "admin": self.admin}[actor]

    # --- holds and one-time payments ---------------------------------------------------------

    def hold(self, who: int, slot: int) -> None:
        m, headers = self._who(who)
        at = self.slots[slot % len(self.slots)]
        resp = self._call(
            "POST", f"{B}/holds", "hold", headers=headers,
            json={"offering_id": self.one_time, "starts_at": at},
        )  # fmt: skip
        assert resp.status_code in (201, 409), resp.text
        if resp.status_code == 201:
            assert resp.json()["amount_minor"] == 4500
            self.told.holds[resp.json()["hold_id"]] = (str(m), self.one_time, at)

    def release(self, which: int) -> None:
        hold_id, headers = self._hold_of(which)
        resp = self._call("DELETE", f"{B}/holds/{hold_id}", "release", headers=headers)
        assert resp.status_code in (204, 409, 410), resp.text
        if resp.status_code == 204:
            self.told.released.add(hold_id)

    def pay_on_the_server(self, which: int, card: str) -> None:
        hold_id, headers = self._hold_of(which)
        resp = self._retrying(
            "POST", f"{P}/checkouts", "checkout-card", headers=headers,
            json={"hold_id": hold_id, "payment_method_id": card},
        )  # fmt: skip
        assert resp.status_code in (200, 201, 402, 409, 410), resp.text
        if resp.status_code == 402:
            assert resp.json()["type"].endswith("/card-declined"), resp.text

    def pay_in_the_browser(self, which: int, card: str, tell: bool) -> None:
        hold_id, headers = self._hold_of(which)
        resp = self._retrying(
            "POST", f"{P}/checkouts", "checkout-open", headers=headers, json={"hold_id": hold_id}
        )
        assert resp.status_code in (200, 201, 409, 410), resp.text
        if resp.status_code not in (200, 201) or not resp.json().get("client_secret"):
            return
        intent = resp.json()["payment_intent_id"]
        # as Stripe.js confirmCardPayment does: the card given with the confirm
        confirmed = self.stripe.post(
            f"/v1/payment_intents/{intent}/confirm", data={"payment_method": card}
        )
        self.stack.stats[f"browser-confirm:{confirmed.status_code}"] += 1
        if tell:
            told = self._call(
                "POST", f"{P}/checkouts/{resp.json()['payment_id']}/confirmation",
                "confirmation", headers=headers,
            )  # fmt: skip
            assert told.status_code == 200, told.text

    def pay_with_credits(self, which: int) -> None:
        hold_id, headers = self._hold_of(which)
        resp = self._retrying(
            "POST", f"{P}/checkouts", "checkout-credits", headers=headers,
            json={"hold_id": hold_id, "method": "credits"},
        )  # fmt: skip
        assert resp.status_code in (200, 201, 402, 409, 410), resp.text

    def buy_credits(self, who: int) -> None:
        _, headers = self._who(who)
        resp = self._call(
            "POST", f"{P}/credits/purchases", "credit-pack", headers=headers,
            json={"pack": "starter", "payment_method_id": "pm_card_visa"},
        )  # fmt: skip
        assert resp.status_code == 201, resp.text
        self.told.packs[resp.json()["purchase_id"]] = resp.json()["credits"]

    # --- bookings ----------------------------------------------------------------------------

    def cancel(self, who: int, which: int, actor: str, programme: bool) -> None:
        _, headers = self._who(who)
        found = self._bookings(headers, programme)
        if not found:
            return
        b = found[which % len(found)]
        resp = self._call(
            "POST", f"{B}/bookings/{b['booking_id']}/cancel", f"cancel-{actor}",
            headers=self._actor(actor, headers), json={},
        )  # fmt: skip
        assert resp.status_code in (200, 409), resp.text
        if resp.status_code == 200:
            refund = resp.json()["refund_amount_minor"]
            assert 0 <= refund <= b["amount_minor"], resp.text
            self.told.refunds[b["booking_id"]] = refund

    def reschedule(self, who: int, which: int, slot: int) -> None:
        _, headers = self._who(who)
        found = self._bookings(headers, programme=False)
        if not found:
            return
        b = found[which % len(found)]
        resp = self._call(
            "POST", f"{B}/bookings/{b['booking_id']}/reschedule", "reschedule", headers=headers,
            json={"starts_at": self.slots[slot % len(self.slots)]},
        )  # fmt: skip
        assert resp.status_code in (200, 409, 422), resp.text

    # --- subscriptions -----------------------------------------------------------------------

    def subscribe(self, who: int) -> None:
        m, headers = self._who(who)
        resp = self._retrying(
            "POST", f"{P}/subscriptions", "subscribe", headers=headers,
            json={"offering_id": self.programme, "payment_method_id": "pm_card_visa"},
        )  # fmt: skip
        assert resp.status_code in (201, 409), resp.text
        if resp.status_code == 201:
            self.subscriptions[str(m)] = resp.json()["subscription_id"]

    def unsubscribe(self, who: int) -> None:
        m, headers = self._subscriber(who)
        sid = self.subscriptions[str(m)]
        resp = self._call("POST", f"{P}/subscriptions/{sid}/cancel", "unsubscribe", headers=headers)
        assert resp.status_code in (200, 202), resp.text

    def reactivate(self, who: int, by_admin: bool) -> None:
        m, headers = self._subscriber(who)
        sid = self.subscriptions[str(m)]
        path = f"{P}/admin/subscriptions/{sid}/reactivate" if by_admin else (
            f"{P}/subscriptions/{sid}/reactivate"
        )  # fmt: skip
        resp = self._call("POST", path, "reactivate", headers=self.admin if by_admin else headers)
        assert resp.status_code in (200, 201, 202, 402, 409), resp.text

    def _subscriber(self, i: int) -> tuple[str, dict[str, str]]:
        ids = sorted(self.subscriptions)
        m = ids[i % len(ids)]
        return m, self.told.people[m]

    # --- the walk ----------------------------------------------------------------------------

    def step(self) -> None:
        """One action, drawn by weight among those that can happen now."""
        r = self.rng
        can = [(a, w) for a, w, ready in self._actions() if ready]
        action = r.choices([a for a, _ in can], weights=[w for _, w in can])[0]
        action()
        self.stack.stats["steps"] += 1

    def _actions(self) -> list[tuple[Callable[[], None], int, bool]]:
        r = self.rng

        def n() -> int:
            return r.randrange(1000)

        holds, subs = bool(self.told.holds), bool(self.subscriptions)
        return [
            (lambda: self.hold(n(), n()), 6, True),
            (lambda: self.release(n()), 2, holds),
            (lambda: self.pay_on_the_server(n(), r.choice(CARDS)), 4, holds),
            (lambda: self.pay_in_the_browser(n(), r.choice(CARDS), r.random() < 0.5), 3, holds),
            (lambda: self.pay_with_credits(n()), 2, holds),
            (lambda: self.buy_credits(n()), 1, True),
            (lambda: self.cancel(n(), n(), r.choice(ACTORS), r.random() < 0.4), 3, True),
            (lambda: self.reschedule(n(), n(), n()), 1, True),
            (lambda: self.subscribe(n()), 1, True),
            (lambda: self.unsubscribe(n()), 1, subs),
            (lambda: self.reactivate(n(), r.random() < 0.5), 1, subs),
        ]

    def check(self) -> None:
        """Once quiet, the oracle."""
        s = self.stack
        oracle = Oracle(s.gateway_url, s.stripe_api_base, s.stripe_api_key)
        try:
            problems = settle(lambda: check_money(oracle, self.told), self.stack.quiet_s)
        finally:
            oracle.close()
        self.stack.stats["sequences"] += 1
        assert not problems, "money told != money moved:\n  " + "\n  ".join(problems)


def settle(check: Callable[[], list[str]], timeout_s: float) -> list[str]:
    """Poll the oracle until it finds nothing or the deadline passes; its last findings."""
    until = time.monotonic() + timeout_s
    while True:
        problems = check()
        if not problems or time.monotonic() > until:
            return problems
        time.sleep(1.0)


def run(stack: Stack, *, sequences: int, steps: int, seed_value: int) -> None:
    """``sequences`` walks of ``steps`` steps, each on a fresh market, from ``seed_value``."""
    rng = random.Random(seed_value)
    for _ in range(sequences):
        model = MoneyModel(stack, random.Random(rng.getrandbits(64)))
        try:
            for _ in range(steps):
                model.step()
            model.check()
        finally:
            model.http.close()
            model.stripe.close()


def main(argv: list[str] | None = None) -> int:
    from kairos_localstack.stack import temporary_stack

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=5000, help="steps in all")
    parser.add_argument("--per-sequence", type=int, default=40, help="steps per sequence")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    seed_value = args.seed if args.seed is not None else random.randrange(2**32)
    sequences = max(1, args.steps // args.per_sequence)
    print(f"money model: seed {seed_value}, {sequences} sequences of {args.per_sequence} steps")
    started = time.monotonic()
    with temporary_stack() as state:
        endpoints = state.endpoints
        stack = Stack(
            state.gateway_url or "", endpoints["stripe_api_base"], endpoints["stripe_api_key"],
            (Path(state.data_dir) / "jwt_private.pem").read_bytes(),
        )  # fmt: skip
        try:
            run(stack, sequences=sequences, steps=args.per_sequence, seed_value=seed_value)
        finally:
            minutes = (time.monotonic() - started) / 60
            print(
                f"{stack.stats['sequences']} sequences, {stack.stats['steps']} steps, "
                f"{minutes:.1f} min"
            )
            for key, n in sorted(stack.stats.items()):
                print(f"  {key}: {n}")
    print("0 failures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
