"""Subscriptions with fakes: decisions on Stripe's re-fetched state, one PaymentVerified
per invoice, unsubscribe/reactivate through one handler, credits once per rejection."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from kairos_contracts.events.booking import BookingCancelled, BookingRejected, OfferingPublished
from kairos_contracts.events.payments import (
    PaymentRefunded,
    PaymentVerified,
    SubscriptionCancelled,
    SubscriptionReactivated,
)
from kairos_contracts.examples import example
from kairos_contracts.types import PaymentMethod, Person
from kairos_payments.domain.subscriptions import (
    InvoiceOutcome,
    Period,
    SubscriptionStatus,
    add_months,
    cycle_period,
    invoice_outcome,
)
from kairos_payments.service_layer import subscribe as sub
from kairos_payments.service_layer import subscription_changes as changes
from kairos_payments.service_layer.checkout import Caller
from kairos_payments.service_layer.gateway import StripeEvent
from kairos_payments.service_layer.rounds import CardRefused
from kairos_payments.service_layer.stripe_events import handle_stripe_event

from .fakes import FakePaymentsUnitOfWork, FakeStripe, consume

S = SubscriptionStatus


async def _offering(uow: FakePaymentsUnitOfWork, stripe: FakeStripe, **kw: object) -> uuid.UUID:
    o = example(OfferingPublished, **({"offering_id": uuid.uuid4()} | kw))
    await consume(uow, stripe, o)
    return o.offering_id


async def _subscribed(
    uow: FakePaymentsUnitOfWork, stripe: FakeStripe, mentee: uuid.UUID
) -> sub.SubscribeResult:
    offering = await _offering(uow, stripe)
    return await sub.subscribe(
        uow,
        stripe,
        offering_id=offering,
        mentee_id=mentee,
        payment_method="pm_card_visa",
        wait_s=0,
    )


def _invoice_event(invoice_id: str, type_: str) -> StripeEvent:
    return StripeEvent(f"evt_{uuid.uuid4().hex}", type_, 1, "invoice", invoice_id)


def test_a_paid_cycle_is_decided_on_statuses_not_event_names() -> None:
    assert invoice_outcome("paid", "active", S.ACTIVE) is InvoiceOutcome.CYCLE_PAID
    assert invoice_outcome("open", "active", S.ACTIVE) is InvoiceOutcome.NOT_YET
    assert invoice_outcome("paid", "canceled", S.ACTIVE) is InvoiceOutcome.NOT_BILLABLE
    assert invoice_outcome("paid", "active", S.CANCELLED) is InvoiceOutcome.NOT_BILLABLE


def test_a_cycle_never_overlaps_the_previous_one() -> None:
    jan = datetime(2026, 1, 31, 10, tzinfo=UTC)
    assert add_months(jan, 1) == datetime(2026, 2, 28, 10, tzinfo=UTC)
    billed = Period(jan, add_months(jan, 1))
    assert cycle_period(billed, None) == billed
    assert cycle_period(billed, jan) == billed  # Stripe advanced: taken as is
    repeated = cycle_period(billed, billed.ends_at)  # localstripe repeats the period
    assert repeated == Period(billed.ends_at, add_months(billed.ends_at, 1))


async def test_subscribe_then_the_same_invoice_twice_gives_one_payment_verified() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    r = await _subscribed(uow, stripe, mentee)
    assert r.subscription.status is S.ACTIVE
    (v,) = uow.events(PaymentVerified)
    assert isinstance(v, PaymentVerified) and v.cycle is not None
    assert v.method is PaymentMethod.SUBSCRIPTION and v.cycle.number == 1
    assert v.subscription_id == r.subscription.subscription_id and v.amount_minor == 4500
    first = stripe.subs[r.subscription.stripe_subscription_id or ""].latest_invoice or ""
    for kind in ("invoice.payment_succeeded", "invoice.paid", "invoice.created"):
        await handle_stripe_event(uow, stripe, _invoice_event(first, kind), "webhook")
    assert len(uow.events(PaymentVerified)) == 1
    # The next invoice is cycle 2, starting where cycle 1 ended.
    second = stripe.issue_invoice(r.subscription.stripe_subscription_id or "")
    await handle_stripe_event(uow, stripe, _invoice_event(second, "invoice.paid"), "webhook")
    v1, v2 = uow.events(PaymentVerified)
    assert isinstance(v1, PaymentVerified) and isinstance(v2, PaymentVerified)
    assert v2.cycle and v1.cycle and v2.cycle.number == 2
    assert v2.cycle.starts_at == v1.cycle.ends_at and v2.payment_id != v1.payment_id


async def test_a_second_subscribe_is_refused_and_a_refused_card_frees_the_row() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    offering = await _offering(uow, stripe)
    kw: dict[str, Any] = {"offering_id": offering, "mentee_id": mentee, "wait_s": 0}
    with pytest.raises(CardRefused):
        await sub.subscribe(uow, stripe, payment_method="pm_refused", **kw)
    (failed,) = uow.subscriptions.rows.values()
    assert failed.status is S.FAILED and uow.events(PaymentVerified) == []
    assert stripe.count("cancel_subscription") == 1  # the incomplete one is not left billing
    ok = await sub.subscribe(uow, stripe, payment_method="pm_card_visa", **kw)
    assert ok.subscription.status is S.ACTIVE
    with pytest.raises(sub.AlreadySubscribed):
        await sub.subscribe(uow, stripe, payment_method="pm_card_visa", **kw)
    assert stripe.count("create_subscription") == 2


async def test_offering_rules_unknown_one_time_and_stale_versions() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    kw: dict[str, Any] = {"mentee_id": uuid.uuid4(), "payment_method": "pm_card_visa", "wait_s": 0}
    with pytest.raises(sub.OfferingUnknown):
        await sub.subscribe(uow, stripe, offering_id=uuid.uuid4(), **kw)
    one_time = await _offering(uow, stripe, kind="one_time", interval=None)
    with pytest.raises(sub.NotRecurring):
        await sub.subscribe(uow, stripe, offering_id=one_time, **kw)
    oid = await _offering(uow, stripe, version=5, amount_minor=9000)
    await consume(
        uow, stripe, example(OfferingPublished, offering_id=oid, version=4, amount_minor=1)
    )
    assert uow.offerings.rows[oid].amount_minor == 9000  # the stale version was dropped
    assert stripe.calls == []


async def test_unsubscribe_then_reactivate_mentee_and_admin_paths_are_identical() -> None:
    results = []
    for caller_is_admin in (False, True):
        uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
        r = await _subscribed(uow, stripe, mentee)
        sid, old = r.subscription.subscription_id, r.subscription.stripe_subscription_id
        me = Caller(mentee)
        gone = await changes.unsubscribe(uow, stripe, sid, me)
        again = await changes.unsubscribe(uow, stripe, sid, me)
        assert gone.status is again.status is S.CANCELLED
        assert again.unsubscribed_at == gone.unsubscribed_at
        (cancelled,) = uow.events(SubscriptionCancelled)
        assert stripe.subs[old or ""].status == "canceled"
        who = Caller(uuid.uuid4(), is_admin=True) if caller_is_admin else me
        back = await changes.reactivate(uow, stripe, sid, who)
        assert back.status is S.ACTIVE and back.stripe_subscription_id != old
        (reactivated,) = uow.events(SubscriptionReactivated)
        assert isinstance(reactivated, SubscriptionReactivated)
        assert isinstance(cancelled, SubscriptionCancelled)
        assert reactivated.undoes_unsubscribed_at == cancelled.unsubscribed_at
        # Still inside the paid cycle: the new Stripe subscription starts with a trial.
        assert len(uow.events(PaymentVerified)) == 1
        results.append(reactivated.reactivated_by.value)
        with pytest.raises(changes.NotCancelled):
            await changes.reactivate(uow, stripe, sid, who)
        assert len(uow.events(SubscriptionReactivated)) == 1
    assert results == ["mentee", "admin"]


async def test_a_second_round_names_its_own_unsubscribe_time() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    sid = (await _subscribed(uow, stripe, mentee)).subscription.subscription_id
    me = Caller(mentee)
    for _ in range(2):
        await changes.unsubscribe(uow, stripe, sid, me)
        await changes.reactivate(uow, stripe, sid, me)
    c1, c2 = uow.events(SubscriptionCancelled)
    r1, r2 = uow.events(SubscriptionReactivated)
    assert isinstance(r1, SubscriptionReactivated) and isinstance(r2, SubscriptionReactivated)
    assert isinstance(c1, SubscriptionCancelled) and isinstance(c2, SubscriptionCancelled)
    assert r1.undoes_unsubscribed_at == c1.unsubscribed_at
    assert r2.undoes_unsubscribed_at == c2.unsubscribed_at != c1.unsubscribed_at
    assert stripe.count("create_subscription") == 3


async def test_someone_elses_subscription_is_refused() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    sid = (await _subscribed(uow, stripe, uuid.uuid4())).subscription.subscription_id
    with pytest.raises(changes.NotYourSubscription):
        await changes.unsubscribe(uow, stripe, sid, Caller(uuid.uuid4()))
    assert uow.subscriptions.rows[sid].status is S.ACTIVE


async def test_unsubscribe_with_stripe_down_is_finished_by_reconciliation() -> None:
    from kairos_payments.service_layer import reconcile

    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    sid = (await _subscribed(uow, stripe, mentee)).subscription.subscription_id
    stripe.down = True
    row = await changes.unsubscribe(uow, stripe, sid, Caller(mentee))
    assert row.status is S.CANCELLING and uow.events(SubscriptionCancelled) == []
    stripe.down = False
    await reconcile.reconcile_once(uow, stripe, 0)
    assert uow.subscriptions.rows[sid].status is S.CANCELLED
    assert len(uow.events(SubscriptionCancelled)) == 1


async def test_unavailable_occurrence_gives_credits_once_and_no_money_back() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    offering = await _offering(uow, stripe, price_in_credits=3)
    rejected = example(
        BookingRejected,
        payment_id=uuid.uuid4(),
        rejection_id=uuid.uuid4(),
        payment_method="subscription",
        hold_id=None,
        subscription_id=uuid.uuid4(),
        offering_id=offering,
        mentee=Person(user_id=mentee),
        reason="occurrence_unavailable",
    )
    for _ in range(2):  # a new envelope each time: the ledger's cause must hold
        await consume(uow, stripe, rejected)
    assert uow.credits.balances[mentee] == 3
    assert stripe.calls == []
    unknown = rejected.model_copy(
        update={"rejection_id": uuid.uuid4(), "offering_id": uuid.uuid4()}
    )
    await consume(uow, stripe, unknown)
    assert uow.credits.balances[mentee] == 4  # no credit price known: one credit


async def test_a_cancelled_programme_session_refunds_its_share_to_the_cycles_card() -> None:
    """What booking announced (refund_amount_minor, the session's share) is what goes back:
    a refund on the PaymentIntent that paid the cycle's invoice, once per cancellation."""
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    r = await _subscribed(uow, stripe, mentee)
    (v,) = uow.events(PaymentVerified)
    invoice = stripe.invoices[
        stripe.subs[r.subscription.stripe_subscription_id or ""].latest_invoice or ""
    ]
    cancelled = example(
        BookingCancelled,
        payment_id=v.payment_id,
        payment_method="subscription",
        subscription_id=r.subscription.subscription_id,
        refund_amount_minor=888,
        cancelled_by="mentor",
        reason="by_mentor",
    )
    for _ in range(2):  # a replay (new envelope) refunds nothing more
        await consume(uow, stripe, cancelled)
    assert [c for c in stripe.calls if c[0] == "refund"] == [("refund", invoice.payment_intent)]
    (refunded,) = uow.events(PaymentRefunded)
    assert isinstance(refunded, PaymentRefunded)
    assert (refunded.amount_minor, refunded.method) == (888, PaymentMethod.SUBSCRIPTION)
    assert refunded.mentee_id == mentee and refunded.booking_id == cancelled.booking_id
    # Another session of the same cycle: its own refund, never beyond what the cycle cost.
    other = cancelled.model_copy(update={"booking_id": uuid.uuid4(), "refund_amount_minor": 9999})
    await consume(uow, stripe, other)
    assert [e.amount_minor for e in uow.events(PaymentRefunded)] == [888, 4500 - 888]
