"""Subscriptions against real PostgreSQL and a real localstripe.

localstripe bills a subscription's first invoice at creation, but it never renews (it has
no clock) and never advances a subscription's period. The next cycle is therefore made
through its API (``POST /v1/invoices`` for the subscription, then ``/pay``) and delivered
to our invoice-paid code path as a signed webhook; its period repeats the first one, so
the cycle is the month after the last one billed (``cycle_period``).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import stripe

from kairos_contracts.events.booking import BookingRejected, OfferingPublished
from kairos_contracts.examples import example
from kairos_contracts.types import Person
from kairos_localstack.stripe import LocalStripe
from kairos_payments.service_layer import reconcile
from kairos_payments.service_layer.context import context_of
from kairos_platform.testing_services import eventually

from .conftest import Payments, sign, webhooked_payments

pytestmark = pytest.mark.integration


def _customer_id(sub: stripe.Subscription) -> str:
    """The subscription's customer id (an expandable field: an id unless expanded)."""
    return sub.customer if isinstance(sub.customer, str) else sub.customer.id


async def _offering(p: Payments, **kw: Any) -> OfferingPublished:
    o = example(OfferingPublished, **({"offering_id": uuid.uuid4(), "amount_minor": 4500} | kw))
    await p.deliver(o)
    return o


async def _subscribe(
    p: Payments,
    mentee: uuid.UUID,
    offering_id: uuid.UUID,
    pm: str = "pm_card_visa",
    **claims: Any,
) -> Any:
    return await p.client.post(
        "/subscriptions",
        json={"offering_id": str(offering_id), "payment_method_id": pm},
        headers=p.auth(mentee, **claims),
    )


def _invoice_event(invoice_id: str, type_: str = "invoice.payment_succeeded") -> bytes:
    return json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:20]}",
            "object": "event",
            "type": type_,
            "created": int(time.time()),
            "data": {"object": {"id": invoice_id, "object": "invoice"}},
        }
    ).encode()


async def _webhook(p: Payments, payload: bytes) -> Any:
    resp = await p.client.post(
        "/webhooks/stripe", content=payload, headers={"Stripe-Signature": sign(payload)}
    )
    assert resp.status_code == 200, resp.text
    return resp


def _at(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat().replace("+00:00", "Z")


def _same_instant(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


async def test_subscribe_pays_the_first_cycle_once_whatever_the_webhooks(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    mentee = uuid.uuid4()
    offering = await _offering(payments, amount_minor=4500, currency="EUR")
    bad = await payments.client.post(
        "/subscriptions",
        json={
            "offering_id": str(offering.offering_id),
            "payment_method_id": "pm_card_visa",
            "amount_minor": 1,
        },
        headers=payments.auth(mentee),
    )
    assert bad.status_code == 422  # the client never sends an amount
    resp = await _subscribe(
        payments, mentee, offering.offering_id, email="mia@example.org", name="Mia"
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["status"] == "active" and body["amount_minor"] == 4500
    assert body["offering_title"] == offering.title
    sub = stripe_client.v1.subscriptions.retrieve(body["stripe_subscription_id"]).to_dict()
    assert sub["status"] == "active" and sub["plan"]["amount"] == 4500
    assert sub["metadata"]["subscription_id"] == body["subscription_id"]
    invoice = stripe_client.v1.invoices.retrieve(sub["latest_invoice"]).to_dict()
    (line,) = invoice["lines"]["data"]

    (verified,) = await payments.outbox("PaymentVerified")
    assert verified["method"] == "subscription" and verified["amount_minor"] == 4500
    assert verified["subscription_id"] == body["subscription_id"]
    assert verified["stripe_invoice_id"] == invoice["id"]
    assert verified["cycle"]["number"] == 1 and verified["description"] == offering.title
    # The subscriber's contact from the token travels on, for booking and attendance.
    assert verified["mentee"] == {
        "user_id": str(mentee),
        "email": "mia@example.org",
        "display_name": "Mia",
    }
    assert _same_instant(verified["cycle"]["starts_at"], _at(line["period"]["start"]))
    assert _same_instant(verified["cycle"]["ends_at"], _at(line["period"]["end"]))

    # The invoice's events, each twice, shuffled with an earlier-looking one: still one.
    deliveries = []
    for kind in ("invoice.payment_succeeded", "invoice.paid", "invoice.created"):
        payload = _invoice_event(invoice["id"], kind)
        deliveries += [payload, payload]
    random.Random(3).shuffle(deliveries)
    await asyncio.gather(*(_webhook(payments, d) for d in deliveries))
    assert len(await payments.outbox("PaymentVerified")) == 1
    assert await payments.scalar("SELECT count(*) FROM subscription_cycles") == 1

    mine = await payments.client.get("/me/subscriptions", headers=payments.auth(mentee))
    (listed,) = mine.json()["items"]
    assert listed["offering_title"] == offering.title and listed["status"] == "active"
    assert _same_instant(listed["current_period"]["ends_at"], verified["cycle"]["ends_at"])


async def test_the_next_paid_invoice_is_cycle_two(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    mentee = uuid.uuid4()
    offering = await _offering(payments)
    body = (await _subscribe(payments, mentee, offering.offering_id)).json()
    sub_id: str = body["stripe_subscription_id"]
    customer = _customer_id(stripe_client.v1.subscriptions.retrieve(sub_id))
    draft = stripe_client.v1.invoices.create(params={"customer": customer, "subscription": sub_id})
    assert await payments.outbox("PaymentVerified") != []
    # An unpaid invoice is not a cycle, whatever the event says.
    await _webhook(payments, _invoice_event(draft.id, "invoice.payment_succeeded"))
    assert len(await payments.outbox("PaymentVerified")) == 1
    assert stripe_client.v1.invoices.pay(draft.id).status == "paid"
    await _webhook(payments, _invoice_event(draft.id, "invoice.payment_succeeded"))
    first, second = await payments.outbox("PaymentVerified")
    assert second["cycle"]["number"] == 2 and second["stripe_invoice_id"] == draft.id
    assert _same_instant(second["cycle"]["starts_at"], first["cycle"]["ends_at"])
    assert second["payment_id"] != first["payment_id"]


async def _cancel(p: Payments, sid: str, who: uuid.UUID, role: str = "mentee") -> Any:
    return await p.client.post(f"/subscriptions/{sid}/cancel", headers=p.auth(who, role))


async def _round(
    p: Payments, stripe_client: stripe.StripeClient, mentee: uuid.UUID, admin: bool
) -> dict[str, Any]:
    """Subscribe, unsubscribe (twice), reactivate by the mentee's or the admin's route."""
    offering = await _offering(p)
    body = (await _subscribe(p, mentee, offering.offering_id)).json()
    sid = body["subscription_id"]
    cancelled = await _cancel(p, sid, mentee)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["offering_title"] == offering.title
    again = await _cancel(p, sid, mentee)
    assert again.json() == cancelled.json()  # the same answer, no second event
    old = stripe_client.v1.subscriptions.retrieve(body["stripe_subscription_id"])
    assert old.status == "canceled"
    if admin:
        url, headers = f"/admin/subscriptions/{sid}/reactivate", p.auth(uuid.uuid4(), "admin")
    else:
        url, headers = f"/subscriptions/{sid}/reactivate", p.auth(mentee)
    back = await p.client.post(url, headers=headers)
    assert back.status_code == 200, back.text
    assert back.json()["offering_title"] == offering.title
    return {"sid": sid, "cancel": cancelled.json(), "back": back.json(), "old": old.id}


async def test_unsubscribe_and_reactivate_by_mentee_or_admin_give_the_same_result(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    by_mentee = await _round(payments, stripe_client, uuid.uuid4(), admin=False)
    by_admin = await _round(payments, stripe_client, uuid.uuid4(), admin=True)
    cancels = await payments.outbox("SubscriptionCancelled")
    reactivations = await payments.outbox("SubscriptionReactivated")
    assert len(cancels) == 2 and len(reactivations) == 2
    for r, c, e in zip((by_mentee, by_admin), cancels, reactivations, strict=True):
        assert c["subscription_id"] == e["subscription_id"] == r["sid"]
        assert _same_instant(c["unsubscribed_at"], r["cancel"]["unsubscribed_at"])
        assert _same_instant(e["undoes_unsubscribed_at"], c["unsubscribed_at"])
        assert r["back"]["status"] == "active" and r["back"]["unsubscribed_at"] is None
        new = stripe_client.v1.subscriptions.retrieve(r["back"]["stripe_subscription_id"])
        assert new.id != r["old"] and new.metadata["subscription_id"] == r["sid"]
        # Inside the paid cycle: billing resumes at its end, nothing is charged twice.
        assert new.trial_end is not None
    assert [e["reactivated_by"] for e in reactivations] == ["mentee", "admin"]
    ignored = {
        "subscription_id",
        "mentee_id",
        "offering_id",
        "stripe_subscription_id",
        "reactivated_by",
        "reactivated_at",
        "undoes_unsubscribed_at",
    }
    a, b = ({k: v for k, v in e.items() if k not in ignored} for e in reactivations)
    assert a == b
    assert len(await payments.outbox("PaymentVerified")) == 2  # one first cycle each


async def test_a_second_round_works_and_reactivating_an_active_one_is_409(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    mentee = uuid.uuid4()
    first = await _round(payments, stripe_client, mentee, admin=False)
    sid = first["sid"]
    before = await payments.scalar("SELECT count(*) FROM outbox")
    row = await payments.scalar("SELECT updated_at FROM subscriptions")
    refused = await payments.client.post(
        f"/subscriptions/{sid}/reactivate", headers=payments.auth(mentee)
    )
    assert refused.status_code == 409 and refused.json()["type"].endswith("/not-cancelled")
    assert await payments.scalar("SELECT count(*) FROM outbox") == before
    assert await payments.scalar("SELECT updated_at FROM subscriptions") == row

    second_cancel = (await _cancel(payments, sid, mentee)).json()
    back = await payments.client.post(
        f"/admin/subscriptions/{sid}/reactivate", headers=payments.auth(uuid.uuid4(), "admin")
    )
    assert back.status_code == 200 and back.json()["status"] == "active"
    c1, c2 = await payments.outbox("SubscriptionCancelled")
    r1, r2 = await payments.outbox("SubscriptionReactivated")
    assert _same_instant(r1["undoes_unsubscribed_at"], c1["unsubscribed_at"])
    assert _same_instant(r2["undoes_unsubscribed_at"], second_cancel["unsubscribed_at"])
    assert c1["unsubscribed_at"] != c2["unsubscribed_at"]
    assert (
        stripe_client.v1.subscriptions.retrieve(first["back"]["stripe_subscription_id"]).status
        == "canceled"
    )


async def test_refusals_write_nothing_or_free_the_row(payments: Payments) -> None:
    mentee, other = uuid.uuid4(), uuid.uuid4()
    unknown = await _subscribe(payments, mentee, uuid.uuid4())  # waited for, then 404
    assert unknown.status_code == 404 and "Retry-After" not in unknown.headers
    assert unknown.json()["type"].endswith("/unknown-offering")
    one_time = await _offering(payments, kind="one_time", interval=None)
    assert (await _subscribe(payments, mentee, one_time.offering_id)).status_code == 422
    closed = await _offering(payments, active=False)
    assert (await _subscribe(payments, mentee, closed.offering_id)).status_code == 404
    offering = await _offering(payments)
    declined = await _subscribe(
        payments, mentee, offering.offering_id, "pm_card_visa_chargeDeclined"
    )
    assert declined.status_code == 402
    refused = await _subscribe(payments, mentee, offering.offering_id, "pm_card_chargeCustomerFail")
    assert refused.status_code == 402, refused.text
    assert await payments.outbox("PaymentVerified") == []
    ok = await _subscribe(payments, mentee, offering.offering_id)
    assert ok.status_code == 201
    twice = await _subscribe(payments, mentee, offering.offering_id)
    assert twice.status_code == 409 and twice.json()["type"].endswith("/already-subscribed")
    sid = ok.json()["subscription_id"]
    assert (await _cancel(payments, sid, other)).status_code == 403
    assert (
        await payments.client.get(
            f"/me/subscriptions?user_id={mentee}", headers=payments.auth(other)
        )
    ).status_code == 403
    assert await payments.outbox("SubscriptionCancelled") == []


async def test_unavailable_occurrence_delivered_twice_gives_credits_once(
    payments: Payments,
) -> None:
    mentee = uuid.uuid4()
    offering = await _offering(payments, price_in_credits=2)
    rejected = example(
        BookingRejected,
        payment_id=uuid.uuid4(),
        rejection_id=uuid.uuid4(),
        payment_method="subscription",
        hold_id=None,
        subscription_id=uuid.uuid4(),
        offering_id=offering.offering_id,
        mentee=Person(user_id=mentee),
        reason="occurrence_unavailable",
    )
    await payments.deliver(rejected)
    await payments.deliver(example(BookingRejected, **rejected.model_dump()))  # a new envelope
    got = (await payments.client.get("/credits", headers=payments.auth(mentee))).json()
    assert got["balance"] == 2
    (entry,) = got["ledger"]["items"]
    assert entry["reason"] == "occurrence_unavailable"
    assert entry["reference"] == str(rejected.rejection_id)
    assert (
        await payments.outbox("PaymentVoided") == []
        and await payments.outbox("PaymentRefunded") == []
    )


async def test_localstripe_invoice_webhook_reaches_the_cycle_path_once(
    fresh_database: str, localstripe: LocalStripe, keypair: tuple[bytes, bytes]
) -> None:
    """What localstripe really sends for a subscription (invoice.payment_succeeded, signed,
    about a second later) goes through the invoice path and adds nothing: the first cycle
    was recorded at subscribe time."""
    events = ["invoice.payment_succeeded"]
    async with webhooked_payments(fresh_database, localstripe, keypair, events) as p:
        offering = await _offering(p)
        resp = await _subscribe(p, uuid.uuid4(), offering.offering_id)
        assert resp.status_code == 201, resp.text

        async def invoice_webhook_arrived() -> bool:
            return bool(
                await p.scalar(
                    "SELECT count(*) FROM webhook_events"
                    " WHERE type = 'invoice.payment_succeeded' AND via = 'webhook'"
                )
            )

        assert await eventually(invoice_webhook_arrived, timeout=15)
        assert len(await p.outbox("PaymentVerified")) == 1


async def test_a_missed_invoice_webhook_is_recovered_by_reconciliation(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    body = (
        await _subscribe(payments, uuid.uuid4(), (await _offering(payments)).offering_id)
    ).json()
    sub = stripe_client.v1.subscriptions.retrieve(body["stripe_subscription_id"])
    draft = stripe_client.v1.invoices.create(
        params={"customer": _customer_id(sub), "subscription": sub.id}
    )
    stripe_client.v1.invoices.pay(draft.id)  # no webhook registered: it never reaches us
    assert len(await payments.outbox("PaymentVerified")) == 1
    gateway, factory = context_of(payments.service).gateway, payments.service.uow_factory
    await reconcile.replay_missed_events(factory, gateway)
    await reconcile.replay_missed_events(factory, gateway)
    _, second = await payments.outbox("PaymentVerified")
    assert second["stripe_invoice_id"] == draft.id and second["cycle"]["number"] == 2


async def test_a_cancelled_programme_session_is_refunded_on_the_cycles_invoice(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    """BookingCancelled for a session with refund_amount_minor 888: 888 goes back on the
    PaymentIntent that paid the cycle's invoice (localstripe shows it), once."""
    from kairos_contracts.events.booking import BookingCancelled

    mentee = uuid.uuid4()
    offering = await _offering(payments, amount_minor=4500, currency="EUR")
    contact = {"email": "ana@example.org", "name": "Ana"}
    body = (await _subscribe(payments, mentee, offering.offering_id, **contact)).json()
    (verified,) = await payments.outbox("PaymentVerified")
    cancelled = example(
        BookingCancelled,
        payment_id=uuid.UUID(verified["payment_id"]),
        payment_method="subscription",
        subscription_id=uuid.UUID(body["subscription_id"]),
        refund_amount_minor=888,
        cancelled_by="mentor",
        reason="by_mentor",
    )
    for _ in range(2):
        await payments.deliver(cancelled)
    sub = stripe_client.v1.subscriptions.retrieve(body["stripe_subscription_id"]).to_dict()
    invoice = stripe_client.v1.invoices.retrieve(sub["latest_invoice"]).to_dict()
    intent = invoice["payment_intent"]
    intent_id = intent["id"] if isinstance(intent, dict) else intent
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": intent_id}).data
    assert [r.amount for r in refunds] == [888]
    (refunded,) = await payments.outbox("PaymentRefunded")
    assert refunded["amount_minor"] == 888 and refunded["method"] == "subscription"
    assert refunded["booking_id"] == str(cancelled.booking_id)
    # the receipt's part: whom to mail (the subscriber's contact) and what was bought
    payer = {"user_id": str(mentee), "email": "ana@example.org", "display_name": "Ana"}
    assert refunded["payer"] == payer and refunded["description"] == offering.title


async def test_the_one_live_subscription_guard_holds_past_the_fifth_insert_of_a_connection(
    payments: Payments,
) -> None:
    """PostgreSQL plans a prepared statement generically from its sixth run on a connection;
    an ON CONFLICT whose partial-index predicate is a bound parameter then matches no index
    (the sixth subscribe of a process answered 500). The predicate is a literal now."""
    from kairos_payments.domain.subscriptions import Subscription, SubscriptionStatus

    offering = uuid.uuid4()
    async with payments.service.uow_factory() as uow:  # one session: one connection
        for _ in range(8):
            sub = Subscription(
                uuid.uuid4(), offering, uuid.uuid4(), SubscriptionStatus.CREATING, 4500, "EUR",
                "plan_x",
            )  # fmt: skip
            assert await uow.subscriptions.reserve(sub, lease_s=60)
            again = Subscription(
                uuid.uuid4(), offering, sub.mentee_id, SubscriptionStatus.CREATING, 4500, "EUR",
                "plan_x",
            )  # fmt: skip
            assert not await uow.subscriptions.reserve(again, lease_s=60)
