"""Card payments against real PostgreSQL and a real localstripe."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe
from prometheus_client import REGISTRY
from sqlalchemy import text

from kairos_contracts import Envelope
from kairos_contracts.events.booking import BookingConfirmed, BookingRejected, HoldExpired
from kairos_contracts.examples import example
from kairos_contracts.types import PaymentMethod
from kairos_platform.testing_services import eventually

from .conftest import Payments, intent_event, sign

pytestmark = pytest.mark.integration


async def _checkout(
    p: Payments, mentee: uuid.UUID, hold_id: uuid.UUID, **body: object
) -> dict[str, Any]:
    resp = await p.client.post(
        "/checkouts", json={"hold_id": str(hold_id), **body}, headers=p.auth(mentee)
    )
    assert resp.status_code in (200, 201), resp.text
    answer: dict[str, Any] = resp.json()
    return answer


def _browser_pays(client: stripe.StripeClient, intent_id: str, pm: str = "pm_card_visa") -> str:
    """What Stripe.js does with the client secret: attach a card and confirm."""
    client.v1.payment_intents.update(intent_id, params={"payment_method": pm})
    return client.v1.payment_intents.confirm(intent_id).status


async def test_checkout_then_signed_webhook_emits_payment_verified_once(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    mentee = uuid.uuid4()
    hold = await payments.place_hold(mentee, amount_minor=4500, currency="EUR")
    # The client cannot choose the amount: an extra field is refused outright.
    bad = await payments.client.post(
        "/checkouts",
        json={"hold_id": str(hold.hold_id), "amount_minor": 1},
        headers=payments.auth(mentee),
    )
    assert bad.status_code == 422
    body = await _checkout(payments, mentee, hold.hold_id)
    assert body["client_secret"] and body["status"] == "open"
    intent = stripe_client.v1.payment_intents.retrieve(body["payment_intent_id"])
    assert (intent.amount, intent.currency, intent.capture_method) == (4500, "eur", "manual")
    assert intent.metadata["hold_id"] == str(hold.hold_id)
    assert intent.metadata["mentee_id"] == str(mentee)
    assert intent.metadata["slot"] == hold.starts_at.isoformat()

    assert await asyncio.to_thread(_browser_pays, stripe_client, intent.id) == "requires_capture"
    assert await payments.outbox("PaymentVerified") == []  # nothing until Stripe tells us

    payload = intent_event(intent.id)
    resp = await payments.client.post(
        "/webhooks/stripe", content=payload, headers={"Stripe-Signature": sign(payload)}
    )
    assert resp.status_code == 200, resp.text
    verified = await payments.outbox("PaymentVerified")
    assert len(verified) == 1
    assert verified[0]["hold_id"] == str(hold.hold_id)
    assert verified[0]["amount_minor"] == 4500 and verified[0]["method"] == "card"
    assert verified[0]["stripe_payment_intent_id"] == intent.id

    # A second checkout of the same hold returns the same PaymentIntent.
    again = await _checkout(payments, mentee, hold.hold_id)
    assert again["payment_intent_id"] == intent.id


async def test_same_webhook_twice_and_shuffled_with_others_gives_one_verified(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    mentee = uuid.uuid4()
    holds = [await payments.place_hold(mentee) for _ in range(3)]
    intents = []
    for h in holds:
        body = await _checkout(payments, mentee, h.hold_id)
        await asyncio.to_thread(_browser_pays, stripe_client, body["payment_intent_id"])
        intents.append(body["payment_intent_id"])
    # Each payment: an authorization event, a stale earlier-looking one, both twice.
    deliveries = []
    for i in intents:
        for kind in ("payment_intent.succeeded", "payment_intent.created"):
            payload = intent_event(i, kind)
            deliveries += [payload, payload]
    random.Random(7).shuffle(deliveries)
    results = await asyncio.gather(
        *(
            payments.client.post(
                "/webhooks/stripe", content=d, headers={"Stripe-Signature": sign(d)}
            )
            for d in deliveries
        )
    )
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    verified = await payments.outbox("PaymentVerified")
    assert sorted(v["stripe_payment_intent_id"] for v in verified) == sorted(intents)
    assert await payments.scalar("SELECT count(*) FROM webhook_events") == 6


async def test_forged_or_stale_signature_is_400_and_writes_nothing(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    mentee = uuid.uuid4()
    hold = await payments.place_hold(mentee)
    body = await _checkout(payments, mentee, hold.hold_id)
    await asyncio.to_thread(_browser_pays, stripe_client, body["payment_intent_id"])
    payload = intent_event(body["payment_intent_id"])
    attempts = {
        "forged": sign(payload, secret="whsec_someone_else"),
        "stale": sign(payload, at=int(time.time()) - 3600),
        "tampered": sign(payload.replace(b"payment_intent", b"payment_intent ", 1)),
        "missing": None,
    }
    failures = {"service": "payments", "provider": "stripe"}

    def refused() -> float:
        return REGISTRY.get_sample_value("webhook_signature_failures_total", failures) or 0.0

    before = refused()
    for name, header in attempts.items():
        headers = {"Stripe-Signature": header} if header else {}
        resp = await payments.client.post("/webhooks/stripe", content=payload, headers=headers)
        assert resp.status_code == 400, (name, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    assert refused() - before == len(attempts)  # what the signature alert watches
    assert await payments.scalar("SELECT count(*) FROM webhook_events") == 0
    assert await payments.outbox("PaymentVerified") == []
    ok = await payments.client.post(
        "/webhooks/stripe", content=payload, headers={"Stripe-Signature": sign(payload)}
    )
    assert ok.status_code == 200  # the same body, properly signed, is accepted


def _confirmed_for(verified: dict[str, Any], booking_id: uuid.UUID) -> BookingConfirmed:
    return example(
        BookingConfirmed,
        booking_id=booking_id,
        payment_id=uuid.UUID(verified["payment_id"]),
        payment_method=PaymentMethod.CARD,
        hold_id=uuid.UUID(verified["hold_id"]),
        amount_minor=verified["amount_minor"],
        currency=verified["currency"],
    )


async def _verified_card_payment(p: Payments, mentee: uuid.UUID) -> dict[str, Any]:
    hold = await p.place_hold(mentee)
    body = await _checkout(p, mentee, hold.hold_id, payment_method_id="pm_card_visa")
    assert body["status"] == "verified", body  # confirmed at checkout, settled at once
    (verified,) = [
        v for v in await p.outbox("PaymentVerified") if v["hold_id"] == str(hold.hold_id)
    ]
    return verified


async def test_booking_confirmed_twice_captures_once(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    verified = await _verified_card_payment(payments, uuid.uuid4())
    confirmed = Envelope.wrap(_confirmed_for(verified, uuid.uuid4()), source="booking")
    replayed = Envelope.wrap(confirmed.payload(), source="booking")  # same event, new id
    for env in (confirmed, confirmed, replayed):
        await payments.deliver(env)
    intent = stripe_client.v1.payment_intents.retrieve(verified["stripe_payment_intent_id"])
    assert intent.status == "succeeded"
    captured = await payments.outbox("PaymentCaptured")
    assert len(captured) == 1 and captured[0]["amount_minor"] == verified["amount_minor"]
    status = await payments.scalar(
        "SELECT status FROM payments WHERE payment_id = :p", p=uuid.UUID(verified["payment_id"])
    )
    assert status == "captured"


async def test_booking_rejected_voids_the_authorization(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    verified = await _verified_card_payment(payments, uuid.uuid4())
    rejected = example(
        BookingRejected,
        payment_id=uuid.UUID(verified["payment_id"]),
        rejection_id=uuid.uuid4(),
        payment_method=PaymentMethod.CARD,
        hold_id=uuid.UUID(verified["hold_id"]),
        amount_minor=verified["amount_minor"],
        currency=verified["currency"],
    )
    await payments.deliver(rejected)
    await payments.deliver(rejected)
    intent = stripe_client.v1.payment_intents.retrieve(verified["stripe_payment_intent_id"])
    assert intent.status == "canceled"
    voided = await payments.outbox("PaymentVoided")
    assert [v["reason"] for v in voided] == ["booking_rejected"]


async def test_hold_expired_cancels_an_unauthorized_intent(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    mentee = uuid.uuid4()
    hold = await payments.place_hold(mentee)
    body = await _checkout(payments, mentee, hold.hold_id)
    expired = example(
        HoldExpired,
        hold_id=hold.hold_id,
        offering_id=hold.offering_id,
        mentee_id=mentee,
        starts_at=hold.starts_at,
        ends_at=hold.ends_at,
    )
    await payments.deliver(expired)
    intent = stripe_client.v1.payment_intents.retrieve(body["payment_intent_id"])
    assert intent.status == "canceled"
    cancelled = await payments.outbox("PaymentCancelled")
    assert [c["reason"] for c in cancelled] == ["hold_expired"]
    late = await payments.client.post(
        "/checkouts", json={"hold_id": str(hold.hold_id)}, headers=payments.auth(mentee)
    )
    assert late.status_code == 410


async def test_a_declined_card_keeps_the_payment_open_for_another_card(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    """402 with Stripe's reason; the payment stays open (no PaymentCancelled: booking keeps
    the hold); another card pays the same PaymentIntent; the refusal is told once."""
    mentee = uuid.uuid4()
    hold = await payments.place_hold(mentee)
    refused = await payments.client.post(
        "/checkouts",
        json={"hold_id": str(hold.hold_id), "payment_method_id": "pm_card_chargeCustomerFail"},
        headers=payments.auth(mentee),
    )
    assert refused.status_code == 402, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["type"].endswith("/card-declined") and problem["decline_code"] == "card_declined"
    assert problem["detail"].startswith("Your card was declined.")
    (failed,) = await payments.outbox("PaymentFailed")
    assert failed["hold_id"] == str(hold.hold_id) and failed["failure_code"] == "card_declined"
    assert await payments.outbox("PaymentCancelled") == []
    read = await payments.client.get(
        f"/checkouts/{problem['payment_id']}", headers=payments.auth(mentee)
    )
    assert read.json()["status"] == "open" and read.json()["decline"]["code"] == "card_declined"

    paid = await payments.client.post(
        "/checkouts",  # the former name of payment_method_id, still accepted (deprecated)
        json={"hold_id": str(hold.hold_id), "payment_method": "pm_card_visa"},
        headers=payments.auth(mentee),
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["payment_id"] == problem["payment_id"]
    assert paid.json()["status"] == "verified" and paid.json()["decline"] is None
    intent = stripe_client.v1.payment_intents.retrieve(paid.json()["payment_intent_id"])
    assert intent.status == "requires_capture"
    assert len(await payments.outbox("PaymentVerified")) == 1
    assert len(await payments.outbox("PaymentFailed")) == 1


async def test_concurrent_checkouts_of_one_hold_open_one_intent(payments: Payments) -> None:
    mentee = uuid.uuid4()
    hold = await payments.place_hold(mentee)
    results = await asyncio.gather(
        *(
            payments.client.post(
                "/checkouts", json={"hold_id": str(hold.hold_id)}, headers=payments.auth(mentee)
            )
            for _ in range(8)
        )
    )
    ok = [r.json()["payment_intent_id"] for r in results if r.status_code in (200, 201)]
    assert ok and len(set(ok)) == 1, [r.text for r in results]
    assert all(r.status_code in (200, 201, 409) for r in results), [r.text for r in results]
    assert await payments.scalar("SELECT count(*) FROM payments") == 1


async def test_http_edges(payments: Payments) -> None:
    mentee, other = uuid.uuid4(), uuid.uuid4()
    hold = await payments.place_hold(mentee)
    post = payments.client.post
    assert (await post("/checkouts", json={"hold_id": str(hold.hold_id)})).status_code == 401
    assert (
        await post("/checkouts", json={"hold_id": "nope"}, headers=payments.auth(mentee))
    ).status_code == 422
    theirs = await post(
        "/checkouts", json={"hold_id": str(hold.hold_id)}, headers=payments.auth(other)
    )
    assert theirs.status_code == 403
    unknown = await post(
        "/checkouts", json={"hold_id": str(uuid.uuid4())}, headers=payments.auth(mentee)
    )
    # waited for (HOLD_WAIT_S), then: no such hold, or not yet known; no retry-me answer
    assert unknown.status_code == 404 and "retry-after" not in unknown.headers
    assert unknown.json()["type"].endswith("/hold-unknown")
    past = await payments.place_hold(mentee, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    gone = await post(
        "/checkouts", json={"hold_id": str(past.hold_id)}, headers=payments.auth(mentee)
    )
    assert gone.status_code == 410
    async with payments.service.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM payments"))).scalar() == 0


async def test_stripe_unreachable_is_503_and_the_retry_succeeds(
    fresh_database: str, localstripe: object, keypair: tuple[bytes, bytes]
) -> None:
    from kairos_localstack.ports import free_port

    from .conftest import open_payments

    down, _ = await open_payments(fresh_database, f"http://127.0.0.1:{free_port()}", keypair)
    try:
        mentee = uuid.uuid4()
        hold = await down.place_hold(mentee)
        resp = await down.client.post(
            "/checkouts", json={"hold_id": str(hold.hold_id)}, headers=down.auth(mentee)
        )
        assert resp.status_code == 503, resp.text
        status = await down.scalar("SELECT status FROM payments")
        assert status == "create_failed"  # a retry takes over at once
    finally:
        await down.client.aclose()
        await down.service.engine.dispose()


async def test_the_statement_tells_what_was_taken_and_given_back(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    """GET /me/payments: a captured payment partly refunded, a declined one still open; the
    money figures are what Stripe holds; another mentee's statement is not shown."""
    from kairos_contracts.events.booking import BookingCancelled, BookingConfirmed
    from kairos_contracts.examples import example

    mentee = uuid.uuid4()
    paid_hold, declined_hold = await payments.place_hold(mentee), await payments.place_hold(mentee)
    paid = await _checkout(payments, mentee, paid_hold.hold_id, payment_method_id="pm_card_visa")
    booking_id = uuid.uuid4()
    pid = uuid.UUID(paid["payment_id"])
    await payments.deliver(example(BookingConfirmed, payment_id=pid, booking_id=booking_id))
    await payments.deliver(
        example(
            BookingCancelled, payment_id=pid, booking_id=booking_id, refund_amount_minor=1000,
            payment_method="card", subscription_id=None,
        )
    )  # fmt: skip
    refused = await payments.client.post(
        "/checkouts",
        json={
            "hold_id": str(declined_hold.hold_id),
            "payment_method_id": "pm_card_chargeCustomerFail",
        },
        headers=payments.auth(mentee),
    )
    assert refused.status_code == 402

    resp = await payments.client.get("/me/payments", headers=payments.auth(mentee))
    assert resp.status_code == 200, resp.text
    lines = {line["payment_id"]: line for line in resp.json()["items"]}
    assert set(lines) == {paid["payment_id"], refused.json()["payment_id"]}
    captured = lines[paid["payment_id"]]
    assert (captured["status"], captured["charged_minor"], captured["refunded_minor"]) == (
        "captured", 4500, 1000
    )  # fmt: skip
    intent = stripe_client.v1.payment_intents.retrieve(paid["payment_intent_id"]).to_dict()
    refunds = stripe_client.v1.refunds.list(params={"payment_intent": intent["id"]}).data
    assert intent["status"] == "succeeded" and [r.amount for r in refunds] == [1000]
    open_ = lines[refused.json()["payment_id"]]
    assert (open_["status"], open_["charged_minor"]) == ("open", 0)
    assert open_["decline"]["code"] == "card_declined"
    other = await payments.client.get(
        "/me/payments", params={"user_id": str(mentee)}, headers=payments.auth(uuid.uuid4())
    )
    assert other.status_code == 403


async def test_a_hold_ending_while_its_checkout_reads_it_leaves_no_open_payment(
    payments: Payments, stripe_client: stripe.StripeClient
) -> None:
    """HoldReleased is handled while a checkout is between its read of the hold and the
    insert of its payment (the handler found no payment to cancel): the checkout waits for
    the hold's row and answers 410, no PaymentIntent is opened. (It used to answer 201 and
    leave an open payment for a released hold; found by the money model.)"""
    from sqlalchemy import text as sql

    mentee = uuid.uuid4()
    hold = await payments.place_hold(mentee)
    async with payments.service.engine.connect() as ending:
        tx = await ending.begin()
        await ending.execute(
            sql("UPDATE holds SET state = 'released' WHERE hold_id = :h"), {"h": hold.hold_id}
        )
        paying = asyncio.create_task(
            payments.client.post(
                "/checkouts", json={"hold_id": str(hold.hold_id)}, headers=payments.auth(mentee)
            )
        )

        async def waiting() -> bool:
            found = await payments.scalar(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"
            )
            return bool(found) or paying.done()

        assert await eventually(waiting)
        await tx.commit()
    resp = await asyncio.wait_for(paying, 30)
    assert resp.status_code == 410, resp.text
    assert await payments.scalar("SELECT count(*) FROM payments") == 0
