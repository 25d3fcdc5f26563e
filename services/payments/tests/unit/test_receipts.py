"""What a receipt needs rides on the events payments builds: ``payer`` (the paying user with
the contact payments holds for them, None when it holds none) and ``description`` (the
offering's title from the projection, None while unknown; a credit pack's count)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

from kairos_contracts import Envelope
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    HoldPlaced,
    OfferingPublished,
)
from kairos_contracts.events.payments import (
    CreditsPurchased,
    PaymentCaptured,
    PaymentRefunded,
    PaymentVerified,
)
from kairos_contracts.examples import example
from kairos_contracts.types import Person
from kairos_payments.domain.credits import CreditPurchase
from kairos_payments.domain.payments import Payment, PaymentStatus, Refundable, RefundOrder
from kairos_payments.service_layer import checkout, outgoing
from kairos_payments.service_layer import subscribe as sub
from kairos_payments.service_layer.gateway import Intent
from kairos_payments.service_layer.handlers import event_handlers
from kairos_payments.service_layer.settle import settle_intent

from .fakes import FakePaymentsUnitOfWork, FakeStripe


async def _run(uow: FakePaymentsUnitOfWork, stripe: FakeStripe, event: object) -> None:
    env = Envelope.wrap(event, source="booking")  # type: ignore[arg-type]
    async with uow:
        uow.caused_by(env)
        if await uow.claim_inbox("payments", env):
            await event_handlers(stripe)[type(event)](event, env, uow)  # type: ignore[arg-type]
            await uow.commit()


async def _hold(
    uow: FakePaymentsUnitOfWork, stripe: FakeStripe, mentee: uuid.UUID, title: str | None
) -> HoldPlaced:
    """A hold for an offering the projection knows by ``title`` (unknown when None)."""
    offering = uuid.uuid4()
    if title is not None:
        await _run(uow, stripe, example(OfferingPublished, offering_id=offering, title=title))
    hold = example(
        HoldPlaced,
        hold_id=uuid.uuid4(),
        mentee_id=mentee,
        offering_id=offering,
        price_in_credits=2,
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    await _run(uow, stripe, hold)
    return hold


async def test_a_card_payment_names_its_offering_and_no_payer_it_has_no_contact_for() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    hold = await _hold(uow, stripe, mentee, "Career coaching")
    paid = await checkout.checkout_card(
        uow,  # type: ignore[arg-type]
        stripe,  # type: ignore[arg-type]
        hold_id=hold.hold_id,
        caller=checkout.Caller(mentee),
        payment_method="pm_card_visa",
        wait_s=0,
        takeover_s=30,
    )
    await _run(uow, stripe, example(BookingConfirmed, payment_id=paid.payment.payment_id))
    (verified,) = uow.events(PaymentVerified)
    (captured,) = uow.events(PaymentCaptured)
    assert isinstance(verified, PaymentVerified) and isinstance(captured, PaymentCaptured)
    assert verified.description == captured.description == "Career coaching"
    # a one-time payment keeps no contact of its payer: whom to mail is not known here
    assert verified.mentee is None and captured.payer is None


async def test_a_credit_payment_and_its_refund_name_the_offering_unknown_offering_none() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    uow.credits.balances[mentee] = 4
    for title in ("Intro call", None):
        hold = await _hold(uow, stripe, mentee, title)
        paid = await checkout.checkout_credits(
            uow,  # type: ignore[arg-type]
            hold_id=hold.hold_id,
            caller=checkout.Caller(mentee),
            wait_s=0,
        )
        pid, booking = paid.payment.payment_id, uuid.uuid4()
        await _run(uow, stripe, example(BookingConfirmed, payment_id=pid, booking_id=booking))
        cancelled = example(
            BookingCancelled,
            payment_id=pid,
            booking_id=booking,
            payment_method="credits",
            refund_amount_minor=4500,
        )
        await _run(uow, stripe, cancelled)
    described = [
        [e.description for e in uow.events(kind)]  # type: ignore[attr-defined]
        for kind in (PaymentVerified, PaymentCaptured, PaymentRefunded)
    ]
    assert described == [["Intro call", None]] * 3
    assert [e.payer for e in uow.events(PaymentRefunded)] == [None, None]  # type: ignore[attr-defined]


async def test_a_cycle_and_its_refund_carry_the_subscriber_the_period_and_the_title() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    offering = example(OfferingPublished, offering_id=uuid.uuid4(), title="Weekly mentoring")
    await _run(uow, stripe, offering)
    r = await sub.subscribe(
        uow,  # type: ignore[arg-type]
        stripe,  # type: ignore[arg-type]
        offering_id=offering.offering_id,
        mentee_id=mentee,
        payment_method="pm_card_visa",
        wait_s=0,
        contact=("ana@example.org", "Ana"),
    )
    payer = Person(user_id=mentee, email="ana@example.org", display_name="Ana")
    (v,) = uow.events(PaymentVerified)
    assert isinstance(v, PaymentVerified) and v.cycle is not None
    assert v.mentee == payer and v.description == "Weekly mentoring"
    assert v.cycle.starts_at < v.cycle.ends_at  # the period the receipt names
    cancelled = example(
        BookingCancelled,
        payment_id=v.payment_id,
        payment_method="subscription",
        subscription_id=r.subscription.subscription_id,
        refund_amount_minor=500,
    )
    await _run(uow, stripe, cancelled)
    (refunded,) = uow.events(PaymentRefunded)
    assert isinstance(refunded, PaymentRefunded)
    assert refunded.payer == payer and refunded.description == "Weekly mentoring"


async def test_a_credit_purchase_says_how_many_credits_were_bought() -> None:
    uow, buyer = FakePaymentsUnitOfWork(), uuid.uuid4()
    purchase = CreditPurchase(
        purchase_id=uuid.uuid4(),
        user_id=buyer,
        pack="standard",
        credits=10,
        amount_minor=9000,
        currency="EUR",
        status="open",
        stripe_payment_intent_id="pi_pack",
    )
    uow.credits.purchases[purchase.purchase_id] = purchase
    async with uow:
        await settle_intent(uow, Intent("pi_pack", "succeeded", 9000, "eur"))  # type: ignore[arg-type]
        await uow.commit()
    (bought,) = uow.events(CreditsPurchased)
    assert isinstance(bought, CreditsPurchased)
    assert bought.description == "10 credits" and bought.payer is None  # no contact kept
    assert outgoing.credits_label(1) == "1 credit"


def test_builders_keep_a_title_within_a_label_and_a_payer_only_with_a_contact() -> None:
    at = datetime.now(UTC)
    payment = Payment(
        payment_id=uuid.uuid4(), hold_id=uuid.uuid4(), method="card", mentee_id=uuid.uuid4(),
        offering_id=uuid.uuid4(), amount_minor=4500, currency="EUR", status=PaymentStatus.CAPTURED,
    )  # fmt: skip
    assert outgoing.verified(payment, at, "x" * 300).description == "x" * 200
    assert outgoing.verified(payment, at, "  ").description is None
    assert outgoing.captured(payment, at).description is None
    order = RefundOrder(uuid.uuid4(), payment.payment_id, None, 100, "booking_cancelled")
    paid = Refundable.of_payment(payment)
    assert outgoing.refunded(paid, order, at).payer is None
    named = dataclasses.replace(paid, mentee_name="Ana")
    assert outgoing.refunded(named, order, at).payer == Person(
        user_id=payment.mentee_id, display_name="Ana"
    )
