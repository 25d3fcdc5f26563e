"""What a receipt needs rides on the events payments builds: ``payer`` (the paying user with
the contact payments holds for them from their own token, None when it holds none) and
``description`` (the offering's title from the projection, None while unknown; a credit
pack's count)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

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
from kairos_contracts.types import PaymentMethod, Person
from kairos_payments.domain.credits import CreditPurchase
from kairos_payments.domain.payments import Payment, PaymentStatus, Refundable, RefundOrder
from kairos_payments.service_layer import checkout, credits, outgoing
from kairos_payments.service_layer import subscribe as sub
from kairos_payments.service_layer.gateway import Intent
from kairos_payments.service_layer.settle import settle_intent

from .fakes import FakePaymentsUnitOfWork, FakeStripe, consume


async def _hold(
    uow: FakePaymentsUnitOfWork, stripe: FakeStripe, mentee: uuid.UUID, title: str | None
) -> HoldPlaced:
    """A hold for an offering the projection knows by ``title`` (unknown when None)."""
    offering = uuid.uuid4()
    if title is not None:
        await consume(uow, stripe, example(OfferingPublished, offering_id=offering, title=title))
    hold = example(
        HoldPlaced,
        hold_id=uuid.uuid4(),
        mentee_id=mentee,
        offering_id=offering,
        price_in_credits=2,
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    await consume(uow, stripe, hold)
    return hold


ANA = ("ana@example.org", "Ana")


async def _pay_by_card(
    uow: FakePaymentsUnitOfWork, stripe: FakeStripe, hold: HoldPlaced, caller: checkout.Caller
) -> checkout.CheckoutResult:
    return await checkout.checkout_card(
        uow,
        stripe,
        hold_id=hold.hold_id,
        caller=caller,
        payment_method="pm_card_visa",
        wait_s=0,
        takeover_s=30,
    )


async def _booked_and_cancelled(
    uow: FakePaymentsUnitOfWork,
    stripe: FakeStripe,
    payment_id: uuid.UUID,
    method: PaymentMethod,
    refund_minor: int,
) -> None:
    """The paid booking confirmed, then cancelled with a refund of ``refund_minor``."""
    booking = uuid.uuid4()
    await consume(uow, stripe, example(BookingConfirmed, payment_id=payment_id, booking_id=booking))
    cancelled = example(
        BookingCancelled,
        payment_id=payment_id,
        booking_id=booking,
        payment_method=method,
        refund_amount_minor=refund_minor,
    )
    await consume(uow, stripe, cancelled)


async def test_a_card_payment_and_its_refund_carry_the_payer_and_the_offering() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    hold = await _hold(uow, stripe, mentee, "Career coaching")
    paid = await _pay_by_card(uow, stripe, hold, checkout.Caller(mentee, contact=ANA))
    assert (paid.payment.payer_email, paid.payment.payer_name) == ANA  # kept at checkout
    await _booked_and_cancelled(uow, stripe, paid.payment.payment_id, PaymentMethod.CARD, 1500)
    (verified,) = uow.events(PaymentVerified)
    (captured,) = uow.events(PaymentCaptured)
    (refunded,) = uow.events(PaymentRefunded)
    assert isinstance(verified, PaymentVerified) and isinstance(captured, PaymentCaptured)
    assert isinstance(refunded, PaymentRefunded)
    assert verified.description == captured.description == "Career coaching"
    payer = Person(user_id=mentee, email="ana@example.org", display_name="Ana")
    assert verified.mentee == captured.payer == refunded.payer == payer


async def _declined(
    uow: FakePaymentsUnitOfWork, stripe: FakeStripe, hold: HoldPlaced, caller: checkout.Caller
) -> Payment:
    try:
        await checkout.checkout_card(
            uow,
            stripe,
            hold_id=hold.hold_id,
            caller=caller,
            payment_method="pm_card_chargeDeclined",
            wait_s=0,
            takeover_s=30,
        )
    except checkout.CardDeclined as refused:
        return uow.payments.rows[refused.payment.payment_id]
    raise AssertionError("the card should have been declined")


BOSS = ("boss@example.org", "Boss")


async def test_an_admin_card_payment_for_a_mentee_keeps_no_contact_and_carries_no_payer() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    hold = await _hold(uow, stripe, mentee, "Career coaching")
    admin = checkout.Caller(uuid.uuid4(), is_admin=True, contact=BOSS)
    paid = await _pay_by_card(uow, stripe, hold, admin)
    await consume(uow, stripe, example(BookingConfirmed, payment_id=paid.payment.payment_id))
    stored = uow.payments.rows[paid.payment.payment_id]
    assert (stored.payer_email, stored.payer_name) == (None, None)  # not the admin's
    (verified,) = uow.events(PaymentVerified)
    (captured,) = uow.events(PaymentCaptured)
    assert isinstance(verified, PaymentVerified) and isinstance(captured, PaymentCaptured)
    assert verified.mentee is None and captured.payer is None


async def test_the_mentee_paying_after_an_admins_refused_card_leaves_their_contact() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    hold = await _hold(uow, stripe, mentee, "Career coaching")
    admin = checkout.Caller(uuid.uuid4(), is_admin=True, contact=BOSS)
    refused = await _declined(uow, stripe, hold, admin)
    assert (refused.payer_email, refused.payer_name) == (None, None)
    # the mentee pays the same payment with another card, themself: theirs is kept then
    paid = await _pay_by_card(uow, stripe, hold, checkout.Caller(mentee, contact=ANA))
    assert paid.payment.payment_id == refused.payment_id
    (verified,) = uow.events(PaymentVerified)
    assert isinstance(verified, PaymentVerified)
    assert verified.mentee == Person(user_id=mentee, email="ana@example.org", display_name="Ana")


async def test_an_admin_paying_after_the_mentees_refused_card_keeps_the_mentees_contact() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    hold = await _hold(uow, stripe, mentee, "Career coaching")
    refused = await _declined(uow, stripe, hold, checkout.Caller(mentee, contact=ANA))
    assert (refused.payer_email, refused.payer_name) == ANA
    admin = checkout.Caller(uuid.uuid4(), is_admin=True, contact=BOSS)
    await _pay_by_card(uow, stripe, hold, admin)
    kept = uow.payments.rows[refused.payment_id]
    assert (kept.payer_email, kept.payer_name) == ANA  # what we had stays
    (verified,) = uow.events(PaymentVerified)
    assert isinstance(verified, PaymentVerified) and verified.mentee is not None
    assert verified.mentee.email == "ana@example.org"


async def test_a_credit_payment_and_its_refund_name_the_offering_unknown_offering_none() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    uow.credits.balances[mentee] = 4
    for title, contact in (("Intro call", ANA), (None, (None, None))):
        hold = await _hold(uow, stripe, mentee, title)
        paid = await checkout.checkout_credits(
            uow,
            hold_id=hold.hold_id,
            caller=checkout.Caller(mentee, contact=contact),
            wait_s=0,
        )
        await _booked_and_cancelled(
            uow, stripe, paid.payment.payment_id, PaymentMethod.CREDITS, 4500
        )
    described = [
        [e.description for e in uow.events(PaymentVerified)],
        [e.description for e in uow.events(PaymentCaptured)],
        [e.description for e in uow.events(PaymentRefunded)],
    ]
    assert described == [["Intro call", None]] * 3
    # the payer with the contact of their token; none when the token carried none
    payer = Person(user_id=mentee, email="ana@example.org", display_name="Ana")
    assert [e.mentee for e in uow.events(PaymentVerified)] == [payer, None]
    assert [e.payer for e in uow.events(PaymentCaptured)] == [payer, None]
    assert [e.payer for e in uow.events(PaymentRefunded)] == [payer, None]


async def test_an_admin_credit_payment_for_a_mentee_keeps_no_contact() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    uow.credits.balances[mentee] = 2
    hold = await _hold(uow, stripe, mentee, "Intro call")
    boss = checkout.Caller(uuid.uuid4(), is_admin=True, contact=("boss@example.org", "Boss"))
    paid = await checkout.checkout_credits(
        uow,
        hold_id=hold.hold_id,
        caller=boss,
        wait_s=0,
    )
    assert (paid.payment.payer_email, paid.payment.payer_name) == (None, None)
    (verified,) = uow.events(PaymentVerified)
    assert isinstance(verified, PaymentVerified) and verified.mentee is None


async def test_a_cycle_and_its_refund_carry_the_subscriber_the_period_and_the_title() -> None:
    uow, stripe, mentee = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    offering = example(OfferingPublished, offering_id=uuid.uuid4(), title="Weekly mentoring")
    await consume(uow, stripe, offering)
    r = await sub.subscribe(
        uow,
        stripe,
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
    await consume(uow, stripe, cancelled)
    (refunded,) = uow.events(PaymentRefunded)
    assert isinstance(refunded, PaymentRefunded)
    assert refunded.payer == payer and refunded.description == "Weekly mentoring"


async def test_a_credit_purchase_carries_its_buyer_and_how_many_credits() -> None:
    uow, stripe, buyer = FakePaymentsUnitOfWork(), FakeStripe(), uuid.uuid4()
    r = await credits.purchase_pack(
        uow,
        stripe,
        user_id=buyer,
        pack="standard",
        purchase_id=None,
        payment_method=None,
        contact=ANA,
    )
    assert (r.purchase.payer_email, r.purchase.payer_name) == ANA
    assert r.intent is not None
    async with uow:
        await settle_intent(uow, Intent(r.intent.id, "succeeded", 9000, "eur"))
        await uow.commit()
    (bought,) = uow.events(CreditsPurchased)
    assert isinstance(bought, CreditsPurchased) and bought.description == "10 credits"
    assert bought.payer == Person(user_id=buyer, email="ana@example.org", display_name="Ana")


async def test_a_credit_purchase_kept_without_a_contact_says_how_many_credits() -> None:
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
        await settle_intent(uow, Intent("pi_pack", "succeeded", 9000, "eur"))
        await uow.commit()
    (bought,) = uow.events(CreditsPurchased)
    assert isinstance(bought, CreditsPurchased)
    assert bought.description == "10 credits" and bought.payer is None  # none kept
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
    assert outgoing.verified(payment, at).mentee is None  # no contact kept
    assert outgoing.captured(payment, at).payer is None
    kept = dataclasses.replace(payment, payer_email="ana@example.org")
    ana = Person(user_id=payment.mentee_id, email="ana@example.org")
    assert outgoing.verified(kept, at).mentee == outgoing.captured(kept, at).payer == ana
    assert outgoing.refunded(Refundable.of_payment(kept), RefundOrder(
        uuid.uuid4(), payment.payment_id, None, 100, "booking_cancelled"
    ), at).payer == ana  # fmt: skip
    order = RefundOrder(uuid.uuid4(), payment.payment_id, None, 100, "booking_cancelled")
    paid = Refundable.of_payment(payment)
    assert outgoing.refunded(paid, order, at).payer is None
    named = dataclasses.replace(paid, mentee_name="Ana")
    assert outgoing.refunded(named, order, at).payer == Person(
        user_id=payment.mentee_id, display_name="Ana"
    )
