"""In-memory fakes for subscriptions: the offering price list, the subscription rows and
cycles, and Stripe Billing (customers, plans, subscriptions, invoices) that counts calls."""

from __future__ import annotations

import dataclasses
import itertools
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from kairos_payments.domain.subscriptions import (
    Cycle,
    Listed,
    Offering,
    Subscription,
    SubscriptionStatus,
)
from kairos_payments.service_layer.gateway import (
    StripeInvoice,
    StripeRejected,
    StripeSubscription,
    StripeUnavailable,
)

_ids = itertools.count(1)
MONTH_S = 30 * 86400


class FakeOfferings:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Offering] = {}

    async def publish(self, o: Offering) -> bool:
        old = self.rows.get(o.offering_id)
        if old is not None and old.version >= o.version:
            return False
        self.rows[o.offering_id] = o
        return True

    async def get(self, offering_id: uuid.UUID) -> Offering | None:
        return self.rows.get(offering_id)


class FakeSubscriptions:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Subscription] = {}
        self.cycles: dict[str, Cycle] = {}
        self.customers: dict[uuid.UUID, str] = {}
        self.leased: set[uuid.UUID] = set()
        self.created: dict[uuid.UUID, datetime] = {}

    async def customer(self, user_id: uuid.UUID) -> str | None:
        return self.customers.get(user_id)

    async def keep_customer(self, user_id: uuid.UUID, customer_id: str) -> str:
        return self.customers.setdefault(user_id, customer_id)

    async def reserve(self, s: Subscription, lease_s: float) -> bool:
        if await self.live_for(s.offering_id, s.mentee_id):
            return False
        self.rows[s.subscription_id] = s
        self.created[s.subscription_id] = datetime.now(UTC)
        self.leased.add(s.subscription_id)
        return True

    async def get(self, sid: uuid.UUID, lock: bool = False) -> Subscription | None:
        return self.rows.get(sid)

    async def live_for(self, offering_id: uuid.UUID, mentee_id: uuid.UUID) -> Subscription | None:
        live = (
            r
            for r in self.rows.values()
            if (r.offering_id, r.mentee_id) == (offering_id, mentee_id)
            and r.status is not SubscriptionStatus.FAILED
        )
        return next(live, None)

    async def by_stripe_id(self, stripe_id: str) -> Subscription | None:
        found = (r for r in self.rows.values() if r.stripe_subscription_id == stripe_id)
        return next(found, None)

    async def of_mentee(
        self,
        mentee_id: uuid.UUID,
        *,
        after: tuple[datetime, uuid.UUID] | None = None,
        limit: int = 100,
    ) -> list[Listed]:
        """As the SQL one, oldest first; no offering titles (this fake knows none)."""
        mine = sorted(
            (r for r in self.rows.values() if r.mentee_id == mentee_id),
            key=lambda r: (self.created[r.subscription_id], r.subscription_id),
        )
        listed = [Listed(r, None, self.created[r.subscription_id]) for r in mine]
        if after is not None:
            listed = [x for x in listed if (x.created_at, x.subscription.subscription_id) > after]
        return listed[:limit]

    async def transition(
        self,
        subscription_id: uuid.UUID,
        from_: Iterable[SubscriptionStatus],
        to: SubscriptionStatus,
        **v: Any,
    ) -> Subscription | None:
        r = self.rows.get(subscription_id)
        if r is None or r.status not in list(from_):
            return None
        self.rows[subscription_id] = dataclasses.replace(r, status=to, **v)
        self.leased.discard(subscription_id)
        return self.rows[subscription_id]

    async def lease(
        self, sid: uuid.UUID, statuses: Iterable[SubscriptionStatus], seconds: float
    ) -> Subscription | None:
        r = self.rows.get(sid)
        if r is None or r.status not in list(statuses) or sid in self.leased:
            return None
        self.leased.add(sid)
        return r

    async def release(self, sid: uuid.UUID) -> None:
        self.leased.discard(sid)

    async def stale(
        self, statuses: Iterable[SubscriptionStatus], older_than_s: float, limit: int = 100
    ) -> list[uuid.UUID]:
        wanted = list(statuses)
        return [k for k, r in self.rows.items() if r.status in wanted and k not in self.leased]

    async def set_period(self, sid: uuid.UUID, c: Cycle) -> None:
        self.rows[sid] = dataclasses.replace(
            self.rows[sid], current_period_start=c.starts_at, current_period_end=c.ends_at
        )

    async def last_cycle(self, sid: uuid.UUID) -> Cycle | None:
        mine = [c for c in self.cycles.values() if c.subscription_id == sid]
        return max(mine, key=lambda c: c.number, default=None)

    async def cycle_of_invoice(self, invoice_id: str) -> Cycle | None:
        return self.cycles.get(invoice_id)

    async def cycle_of_payment(self, payment_id: uuid.UUID) -> Cycle | None:
        return next((c for c in self.cycles.values() if c.payment_id == payment_id), None)

    async def add_cycle(self, c: Cycle) -> bool:
        return self.cycles.setdefault(c.stripe_invoice_id, c) is c


class FakeBilling:
    """Stripe Billing, mixed into FakeStripe. Cards named ``pm_refused`` are refused at
    the first invoice; ``pm_declined`` is declined when attached."""

    down: bool
    calls: list[tuple[str, str]]

    def _billing_init(self) -> None:
        self.subs: dict[str, StripeSubscription] = {}
        self.invoices: dict[str, StripeInvoice] = {}
        self.default_pm: dict[str, str] = {}

    def _call(self, what: str, ref: str = "") -> None:
        if self.down:
            raise StripeUnavailable("fake Stripe is down")
        self.calls.append((what, ref))

    async def create_customer(self, *, metadata: dict[str, str], idempotency_key: str) -> str:
        self._call("create_customer")
        return f"cus_{next(_ids)}"

    async def attach_payment_method(self, customer: str, payment_method: str) -> str:
        self._call("attach", payment_method)
        if payment_method == "pm_declined":
            raise StripeRejected("Your card was declined.", code="card_declined")
        self.default_pm[customer] = payment_method
        return payment_method

    async def ensure_plan(self, **kw: Any) -> str:
        self._call("ensure_plan", kw["plan_id"])
        return str(kw["plan_id"])

    def issue_invoice(self, sub_id: str, paid: bool = True, start: int | None = None) -> str:
        """A new invoice for the subscription (tests use it for a next cycle)."""
        begin = start if start is not None else int(time.time())
        inv = StripeInvoice(
            id=f"in_{next(_ids)}",
            status="paid" if paid else "open",
            subscription=sub_id,
            amount_paid=4500 if paid else 0,
            currency="EUR",
            period_start=begin,
            period_end=begin + MONTH_S,
            payment_intent=f"pi_{next(_ids)}" if paid else None,
        )
        self.invoices[inv.id] = inv
        sub = self.subs[sub_id]
        self.subs[sub_id] = dataclasses.replace(sub, latest_invoice=inv.id)
        return inv.id

    async def create_subscription(self, **kw: Any) -> StripeSubscription:
        self._call("create_subscription", kw["metadata"]["kairos_key"])
        refused = self.default_pm.get(kw["customer"]) == "pm_refused"
        sub = StripeSubscription(
            id=f"sub_{next(_ids)}",
            status="incomplete" if refused or kw.get("trial_end") else "active",
            customer=kw["customer"],
            metadata=kw["metadata"],
        )
        self.subs[sub.id] = sub
        if not kw.get("trial_end"):
            self.issue_invoice(sub.id, paid=not refused)
        return self.subs[sub.id]

    async def find_subscription(self, customer: str, key: str) -> StripeSubscription | None:
        self._call("find_subscription", key)
        found = (
            s
            for s in self.subs.values()
            if s.customer == customer
            and s.metadata.get("kairos_key") == key
            and s.status != "canceled"
        )
        return next(found, None)

    async def retrieve_subscription(self, sub_id: str) -> StripeSubscription:
        self._call("retrieve_subscription", sub_id)
        return self.subs[sub_id]

    async def cancel_subscription(self, sub_id: str) -> StripeSubscription:
        self._call("cancel_subscription", sub_id)
        self.subs[sub_id] = dataclasses.replace(self.subs[sub_id], status="canceled")
        return self.subs[sub_id]

    async def retrieve_invoice(self, invoice_id: str) -> StripeInvoice:
        self._call("retrieve_invoice", invoice_id)
        return self.invoices[invoice_id]
