"""Credits (atomic debits under concurrency, returns) and reconciliation with Stripe."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import stripe

from kairos_contracts.events.booking import BookingCancelled, BookingRejected
from kairos_contracts.examples import example
from kairos_contracts.types import PaymentMethod
from kairos_localstack.stripe import LocalStripe
from kairos_payments.service_layer import reconcile
from kairos_payments.service_layer.context import context_of
from kairos_platform.testing_services import eventually

from .conftest import Payments, webhooked_payments

pytestmark = pytest.mark.integration


async def _give_credits(p: Payments, user: uuid.UUID, n: int) -> None:
    async with p.service.uow_factory() as uow:
        await uow.credits.credit(user, n, "purchase", uuid.uuid4())
        await uow.commit()


async def test_fifty_concurrent_credit_payments_against_ten_credits(payments: Payments) -> None:
    mentee = uuid.uuid4()
    await _give_credits(payments, mentee, 10)
    holds = [await payments.place_hold(mentee, price_in_credits=1) for _ in range(50)]
    results = await asyncio.gather(
        *(
            payments.client.post(
                "/checkouts",
                json={"hold_id": str(h.hold_id), "method": "credits"},
                headers=payments.auth(mentee),
            )
            for h in holds
        )
    )
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 10 and codes.count(402) == 40, codes
    refused = next(r for r in results if r.status_code == 402)
    assert refused.json()["type"].endswith("/insufficient-credits")
    verified = await payments.outbox("PaymentVerified")
    assert len(verified) == 10 and {v["method"] for v in verified} == {"credits"}
    assert await payments.scalar("SELECT balance FROM credit_balances") == 0
    assert await payments.scalar("SELECT min(balance_after) FROM credit_ledger") >= 0
    assert await payments.scalar("SELECT count(*) FROM payments") == 10  # refusals left nothing
    got = await payments.client.get("/credits", headers=payments.auth(mentee))
    assert got.json()["balance"] == 0 and len(got.json()["ledger"]["items"]) == 11


async def test_credits_come_back_on_rejection_and_refundable_cancellation(
    payments: Payments,
) -> None:
    mentee = uuid.uuid4()
    await _give_credits(payments, mentee, 4)
    paid = []
    for _ in range(2):
        hold = await payments.place_hold(mentee, price_in_credits=2, amount_minor=3000)
        resp = await payments.client.post(
            "/checkouts",
            json={"hold_id": str(hold.hold_id), "method": "credits"},
            headers=payments.auth(mentee),
        )
        assert resp.status_code == 201, resp.text
        paid.append(resp.json())
    rejected = example(
        BookingRejected,
        payment_id=uuid.UUID(paid[0]["payment_id"]),
        payment_method=PaymentMethod.CREDITS,
        rejection_id=uuid.uuid4(),
        amount_minor=3000,
        currency="EUR",
    )
    cancelled = example(
        BookingCancelled,
        payment_id=uuid.UUID(paid[1]["payment_id"]),
        payment_method=PaymentMethod.CREDITS,
        refund_amount_minor=3000,
        currency="EUR",
    )
    for event in (rejected, rejected, cancelled, cancelled):
        await payments.deliver(event)
    assert await payments.scalar("SELECT balance FROM credit_balances") == 4
    assert [v["reason"] for v in await payments.outbox("PaymentVoided")] == ["booking_rejected"]
    (refund,) = await payments.outbox("PaymentRefunded")
    assert refund["credits_returned"] == 2 and refund["amount_minor"] == 3000
    statement = await payments.client.get("/me/payments", headers=payments.auth(mentee))
    lines = {x["payment_id"]: x for x in statement.json()["items"]}
    back = lines[paid[1]["payment_id"]]  # the cancelled one: its credits, no money
    assert (back["credits_spent"], back["credits_returned"], back["refunded_minor"]) == (2, 2, 0)


async def test_card_refund_on_cancellation_is_exact_and_once(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    from kairos_contracts.events.booking import BookingConfirmed

    mentee = uuid.uuid4()
    hold = await payments.place_hold(mentee, amount_minor=5000)
    body = (
        await payments.client.post(
            "/checkouts",
            json={"hold_id": str(hold.hold_id), "payment_method_id": "pm_card_visa"},
            headers=payments.auth(mentee),
        )
    ).json()
    payment_id, booking_id = uuid.UUID(body["payment_id"]), uuid.uuid4()
    await payments.deliver(
        example(BookingConfirmed, booking_id=booking_id, payment_id=payment_id, amount_minor=5000)
    )
    cancel = example(
        BookingCancelled,
        booking_id=booking_id,
        payment_id=payment_id,
        sequence=1,
        refund_amount_minor=1500,
        currency="EUR",
    )
    await payments.deliver(cancel)
    await payments.deliver(example(BookingCancelled, **(cancel.model_dump() | {})))
    found = stripe_client.v1.refunds.list(params={"payment_intent": body["payment_intent_id"]})
    assert [r.amount for r in found.data] == [1500]
    (refund,) = await payments.outbox("PaymentRefunded")
    assert refund["amount_minor"] == 1500 and refund["stripe_refund_id"] == found.data[0].id


async def test_credit_purchase_missed_webhook_is_recovered_by_reconciliation(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    buyer = uuid.uuid4()
    resp = await payments.client.post(
        "/credits/purchases", json={"pack": "starter"}, headers=payments.auth(buyer)
    )
    assert resp.status_code == 201, resp.text
    intent_id = resp.json()["payment_intent_id"]
    # The browser pays; Stripe's webhook never reaches us (none is registered).
    stripe_client.v1.payment_intents.update(intent_id, params={"payment_method": "pm_card_visa"})
    assert stripe_client.v1.payment_intents.confirm(intent_id).status == "succeeded"
    assert await payments.outbox("CreditsPurchased") == []

    gateway = context_of(payments.service).gateway
    factory = payments.service.uow_factory
    applied = await reconcile.replay_missed_events(factory, gateway)
    assert applied >= 1
    (bought,) = await payments.outbox("CreditsPurchased")
    assert bought["credits"] == 5 and bought["balance_after"] == 5
    assert bought["description"] == "5 credits" and "payer" not in bought  # no contact kept
    via = await payments.scalar("SELECT via FROM webhook_events WHERE object_id = :i", i=intent_id)
    assert via == "reconciliation"
    # A second pass (or a late webhook) changes nothing.
    await reconcile.replay_missed_events(factory, gateway)
    assert len(await payments.outbox("CreditsPurchased")) == 1
    assert (await payments.client.get("/credits", headers=payments.auth(buyer))).json()[
        "balance"
    ] == 5


async def test_localstripe_sends_a_signed_webhook_that_we_verify(
    fresh_database: str, localstripe: LocalStripe, keypair: tuple[bytes, bytes]
) -> None:
    """A real webhook from localstripe, signed by it, through an HTTP server of ours."""
    async with webhooked_payments(fresh_database, localstripe, keypair) as p:
        buyer = uuid.uuid4()
        resp = await p.client.post(
            "/credits/purchases",
            json={"pack": "standard", "payment_method_id": "pm_card_visa"},
            headers=p.auth(buyer),
        )
        assert resp.status_code == 201 and resp.json()["status"] == "credited", resp.text
        intent_id = resp.json()["payment_intent_id"]

        async def webhook_arrived() -> bool:
            return bool(
                await p.scalar(
                    "SELECT count(*) FROM webhook_events WHERE object_id = :i AND via = 'webhook'",
                    i=intent_id,
                )
            )

        assert await eventually(webhook_arrived, timeout=15)
        assert len(await p.outbox("CreditsPurchased")) == 1  # the webhook added nothing
