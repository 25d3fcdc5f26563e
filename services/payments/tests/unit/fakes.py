"""In-memory fakes: a Stripe that counts its calls, and a unit of work with fake
repositories (the platform's FakeUnitOfWork, extended). No mocking library."""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from kairos_contracts import Envelope, Event
from kairos_payments.domain.credits import (
    CreditPurchase,
    InsufficientCredits,
    LedgerEntry,
    LedgerReason,
)
from kairos_payments.domain.holds import Hold, HoldState
from kairos_payments.domain.payments import (
    Payment,
    PaymentStatus,
    RefundOrder,
    can_cancel_intent,
)
from kairos_payments.domain.statement import BookingPayment, StatementLine
from kairos_payments.service_layer.gateway import (
    Intent,
    InvalidSignature,
    Refund,
    StripeEvent,
    StripeRejected,
    StripeUnavailable,
)
from kairos_platform.testing import FakeUnitOfWork

from .fakes_subscriptions import FakeBilling, FakeOfferings, FakeSubscriptions

_ids = itertools.count(1)


class FakeStripe(FakeBilling):
    def __init__(self) -> None:
        self._billing_init()
        self.intents: dict[str, Intent] = {}
        self.methods: dict[str, str] = {}  # intent -> the card it was last given
        self.calls: list[tuple[str, str]] = []
        self.down = False
        self.refused = 0
        self.events: list[StripeEvent] = []

    def _check(self, what: str, intent_id: str = "") -> None:
        if self.down:
            raise StripeUnavailable("fake Stripe is down")
        self.calls.append((what, intent_id))

    def _set(self, intent_id: str, status: str, **more: Any) -> Intent:
        self.intents[intent_id] = dataclasses.replace(
            self.intents[intent_id], status=status, **more
        )
        return self.intents[intent_id]

    async def create_intent(self, **kw: Any) -> Intent:
        self._check("create")
        i = Intent(
            id=f"pi_{next(_ids)}",
            status="requires_confirmation"
            if kw.get("payment_method")
            else "requires_payment_method",
            amount=kw["amount"],
            currency=kw["currency"],
            client_secret="secret",
            metadata=kw["metadata"],
        )
        self.intents[i.id] = i
        self.methods[i.id] = kw.get("payment_method") or ""
        return i

    async def confirm_intent(
        self, intent_id: str, *, idempotency_key: str, payment_method: str | None = None
    ) -> Intent:
        """As Stripe: a card named ``..._chargeDeclined`` or ``...Fail`` is refused, and the
        PaymentIntent waits for another; only a PaymentIntent not past confirmation."""
        self._check("confirm", intent_id)
        self._refuse_if(
            intent_id,
            lambda status: status not in ("requires_confirmation", "requires_payment_method"),
        )
        card = payment_method or self.methods.get(intent_id, "")
        self.methods[intent_id] = card
        if card.endswith(("chargeDeclined", "Fail")):
            n = next(_ids)
            return self._set(
                intent_id,
                "requires_payment_method",
                error_code="card_declined",
                error_message="Your card was declined.",
                error_charge=f"ch_{n}",
            )
        return self._set(intent_id, "requires_capture", error_code=None, error_message=None)

    async def retrieve_intent(self, intent_id: str) -> Intent:
        self._check("retrieve", intent_id)
        return self.intents[intent_id]

    async def capture_intent(self, intent_id: str, *, idempotency_key: str) -> Intent:
        self._check("capture", intent_id)
        self._refuse_if(intent_id, lambda status: status != "requires_capture")
        return self._set(intent_id, "succeeded")

    async def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> Intent:
        self._check("cancel", intent_id)
        self._refuse_if(intent_id, lambda status: not can_cancel_intent(status))
        return self._set(intent_id, "canceled")

    def _refuse_if(self, intent_id: str, wrong: Callable[[str], bool]) -> None:
        """As Stripe: a capture or cancel in the wrong state is refused (no idempotent
        replay here, as in localstripe), and the refusal is counted."""
        status = self.intents[intent_id].status
        if wrong(status):
            self.refused += 1
            raise StripeRejected(
                f"PaymentIntent is {status}", code="payment_intent_unexpected_state"
            )

    async def refund(self, intent_id: str, *, amount: int, idempotency_key: str) -> Refund:
        self._check("refund", intent_id)
        return Refund(id=f"re_{next(_ids)}", status="succeeded", amount=amount)

    async def list_events(
        self, *, created_gte: int, starting_after: str | None = None, limit: int = 100
    ) -> tuple[list[StripeEvent], bool]:
        self._check("list_events")
        return [e for e in self.events if e.created >= created_gte], False

    def parse_webhook(self, payload: bytes, signature: str | None) -> StripeEvent:
        raise InvalidSignature("the fake verifies nothing")

    def count(self, what: str) -> int:
        return sum(1 for w, _ in self.calls if w == what)


class FakeHolds:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Hold] = {}

    async def add_placed(self, hold: Hold) -> None:
        self.rows.setdefault(hold.hold_id, hold)

    async def mark_ended(self, hold_id: uuid.UUID, state: HoldState, **_: Any) -> None:
        if hold_id in self.rows:
            self.rows[hold_id] = dataclasses.replace(self.rows[hold_id], state=state)

    async def get(self, hold_id: uuid.UUID, lock: bool = False) -> Hold | None:
        return self.rows.get(hold_id)


class FakePayments:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Payment] = {}
        self.leased: set[uuid.UUID] = set()
        self.sessions: dict[uuid.UUID, uuid.UUID] = {}  # programme session -> cycle payment

    async def reserve(self, p: Payment) -> bool:
        if any(r.hold_id == p.hold_id for r in self.rows.values()):
            return False
        self.rows[p.payment_id] = p
        return True

    async def get(self, pid: uuid.UUID) -> Payment | None:
        return self.rows.get(pid)

    async def by_hold(self, hold_id: uuid.UUID) -> Payment | None:
        return next((r for r in self.rows.values() if r.hold_id == hold_id), None)

    async def by_intent(self, intent_id: str) -> Payment | None:
        found = (r for r in self.rows.values() if r.stripe_payment_intent_id == intent_id)
        return next(found, None)

    async def transition(
        self, payment_id: uuid.UUID, from_: Iterable[PaymentStatus], to: PaymentStatus, **v: Any
    ) -> Payment | None:
        p = self.rows.get(payment_id)
        if p is None or p.status not in list(from_):
            return None
        self.rows[payment_id] = dataclasses.replace(p, status=to, **v)
        self.leased.discard(payment_id)
        return self.rows[payment_id]

    async def remember_payer(self, pid: uuid.UUID, email: str | None, name: str | None) -> None:
        p = self.rows[pid]
        if p.payer_email is None and p.payer_name is None:
            self.rows[pid] = dataclasses.replace(p, payer_email=email, payer_name=name)

    async def take_over_creation(self, pid: uuid.UUID, stale_after_s: float) -> bool:
        return False

    async def record_decline(
        self, pid: uuid.UUID, charge: str | None, code: str | None, message: str | None
    ) -> Payment | None:
        p = self.rows.get(pid)
        if p is None or p.status is not PaymentStatus.OPEN or p.declined_charge == charge:
            return None
        self.rows[pid] = dataclasses.replace(
            p, decline_code=code, decline_message=message, declined_charge=charge or "unknown"
        )
        return self.rows[pid]

    async def lease(
        self, pid: uuid.UUID, statuses: Iterable[PaymentStatus], seconds: float
    ) -> Payment | None:
        p = self.rows.get(pid)
        if p is None or p.status not in list(statuses) or pid in self.leased:
            return None
        self.leased.add(pid)
        return p

    async def release(self, pid: uuid.UUID) -> None:
        self.leased.discard(pid)

    async def stale(
        self, statuses: Iterable[PaymentStatus], older_than_s: float, limit: int = 100
    ) -> list[uuid.UUID]:
        wanted = list(statuses)
        return [k for k, p in self.rows.items() if p.status in wanted and k not in self.leased]

    async def add_refunded(self, pid: uuid.UUID, amount: int) -> None:
        p = self.rows[pid]
        self.rows[pid] = dataclasses.replace(p, refunded_minor=p.refunded_minor + amount)

    async def link_session(self, booking_id: uuid.UUID, payment_id: uuid.UUID) -> None:
        self.sessions.setdefault(booking_id, payment_id)


class FakeRefunds:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, RefundOrder] = {}

    async def add(self, r: RefundOrder) -> bool:
        return self.rows.setdefault(r.refund_id, r) is r

    async def reserved_for(self, pid: uuid.UUID) -> int:
        return sum(r.amount_minor for r in self.rows.values() if r.payment_id == pid)

    async def lease(self, rid: uuid.UUID, seconds: float) -> RefundOrder | None:
        r = self.rows.get(rid)
        return r if r and r.status == "pending" else None

    async def release(self, rid: uuid.UUID) -> None:
        return None

    async def mark_succeeded(
        self,
        rid: uuid.UUID,
        *,
        stripe_refund_id: str | None = None,
        credits_returned: int | None = None,
    ) -> RefundOrder | None:
        r = self.rows.get(rid)
        if r is None or r.status != "pending":
            return None
        self.rows[rid] = dataclasses.replace(
            r,
            status="succeeded",
            stripe_refund_id=stripe_refund_id,
            credits_returned=credits_returned,
        )
        return self.rows[rid]

    async def stale_pending(self, older_than_s: float, limit: int = 100) -> list[uuid.UUID]:
        return [k for k, r in self.rows.items() if r.status == "pending"]


class FakeCredits:
    def __init__(self) -> None:
        self.balances: dict[uuid.UUID, int] = {}
        self.causes: set[tuple[str, uuid.UUID]] = set()
        self.purchases: dict[uuid.UUID, CreditPurchase] = {}
        self.entries: list[tuple[uuid.UUID, LedgerEntry]] = []

    def _entry(self, user: uuid.UUID, delta: int, reason: str, ref: uuid.UUID) -> None:
        after = self.balances.get(user, 0)
        entry = LedgerEntry(next(_ids), delta, after, LedgerReason(reason), ref, datetime.now(UTC))
        self.entries.append((user, entry))

    async def balance(self, user: uuid.UUID) -> int:
        return self.balances.get(user, 0)

    async def debit(self, user: uuid.UUID, n: int, reference: uuid.UUID) -> int:
        if self.balances.get(user, 0) < n:
            raise InsufficientCredits(n, self.balances.get(user, 0))
        self.balances[user] -= n
        self._entry(user, -n, LedgerReason.PAYMENT, reference)
        return self.balances[user]

    async def credit(self, user: uuid.UUID, n: int, reason: str, ref: uuid.UUID) -> int | None:
        if (reason, ref) in self.causes:
            return None
        self.causes.add((reason, ref))
        self.balances[user] = self.balances.get(user, 0) + n
        self._entry(user, n, reason, ref)
        return self.balances[user]

    async def ledger(
        self, user: uuid.UUID, *, before: int | None = None, limit: int = 100
    ) -> list[LedgerEntry]:
        mine = [e for u, e in reversed(self.entries) if u == user]
        return [e for e in mine if before is None or e.entry_id < before][:limit]

    async def add_purchase(self, p: CreditPurchase) -> bool:
        return self.purchases.setdefault(p.purchase_id, p) is p

    async def purchase(self, purchase_id: uuid.UUID) -> CreditPurchase | None:
        return self.purchases.get(purchase_id)

    async def move_purchase(
        self, purchase_id: uuid.UUID, from_: Iterable[str], to: str, **values: Any
    ) -> CreditPurchase | None:
        found = self.purchases.get(purchase_id)
        if found is None or found.status not in from_:
            return None
        moved = dataclasses.replace(found, status=to, **values)
        self.purchases[purchase_id] = moved
        return moved

    async def purchase_by_intent(self, intent_id: str) -> CreditPurchase | None:
        found = (p for p in self.purchases.values() if p.stripe_payment_intent_id == intent_id)
        return next(found, None)

    async def stale_open_purchases(self, older_than_s: float, limit: int = 100) -> list[str]:
        return []


class FakeStripeEvents:
    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.cursor = 0

    async def seen(self, event_id: str) -> bool:
        return event_id in self.ids

    async def record(self, event: StripeEvent, via: str) -> bool:
        if event.id in self.ids:
            return False
        self.ids.add(event.id)
        return True

    async def lease_cursor(self, name: str, seconds: float) -> int | None:
        return self.cursor

    async def advance_cursor(self, name: str, last_created: int) -> None:
        self.cursor = max(self.cursor, last_created)


class FakeStatements:
    """The statement is read by routes only (SQL over the tables, tested in integration):
    this fake knows no lines."""

    async def lines(
        self, user_id: uuid.UUID, limit: int, before: tuple[datetime, uuid.UUID] | None = None
    ) -> list[StatementLine]:
        return []

    async def of_booking(self, booking_id: uuid.UUID) -> list[BookingPayment]:
        return []


class FakePaymentsUnitOfWork(FakeUnitOfWork):
    """One shared in-memory state; each ``async with`` is a new 'transaction' on it."""

    def __init__(self) -> None:
        super().__init__("payments")
        self.holds = FakeHolds()
        self.payments = FakePayments()
        self.refunds = FakeRefunds()
        self.credits = FakeCredits()
        self.stripe_events = FakeStripeEvents()
        self.offerings = FakeOfferings()
        self.subscriptions = FakeSubscriptions()
        self.statements = FakeStatements()

    def __call__(self) -> FakePaymentsUnitOfWork:
        return self  # serves as its own factory


async def consume(uow: FakePaymentsUnitOfWork, stripe: FakeStripe, event: Event) -> None:
    """``event`` (from booking) handled as the consumer handles it: inbox claimed, the
    handler run in one transaction, committed."""
    from kairos_payments.service_layer.handlers import event_handlers

    env = Envelope.wrap(event, source="booking")
    async with uow:
        uow.caused_by(env)
        if await uow.claim_inbox("payments", env):
            await event_handlers(stripe)[type(event)](event, env, uow)
            await uow.commit()
