"""A booking's payments with fakes: who may read them, what paid a programme session."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from kairos_contracts import Envelope
from kairos_contracts.events.booking import BookingConfirmed
from kairos_contracts.examples import example
from kairos_payments.domain.statement import BookingPayment, LineKind, StatementLine
from kairos_payments.service_layer.booking_payments import payments_of_booking
from kairos_payments.service_layer.checkout import Caller
from kairos_payments.service_layer.handlers import event_handlers
from kairos_platform.refusals import Forbidden, NotFound

from .fakes import FakePaymentsUnitOfWork, FakeStripe

PAYER = uuid.uuid4()
BOOKING = uuid.uuid4()


def _paid(payer: uuid.UUID) -> BookingPayment:
    line = StatementLine(
        payment_id=uuid.uuid4(), kind=LineKind.CHECKOUT, method="card", status="captured",
        amount_minor=4500, currency="EUR", charged_minor=4500, refunded_minor=0,
        credits_spent=None, credits_returned=0, hold_id=uuid.uuid4(), booking_id=BOOKING,
        subscription_id=None, cycle_number=None, decline_code=None, decline_message=None,
        payment_intent_id="pi_1", created_at=datetime(2030, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    return BookingPayment(line, payer, ())


class _Statements:
    def __init__(self, by_booking: dict[uuid.UUID, list[BookingPayment]]) -> None:
        self.by_booking = by_booking

    async def of_booking(self, booking_id: uuid.UUID) -> list[BookingPayment]:
        return self.by_booking.get(booking_id, [])


class _Uow:
    def __init__(self, statements: _Statements) -> None:
        self.statements = statements


async def test_the_payer_and_an_admin_read_a_bookings_payments_nobody_else() -> None:
    paid = _paid(PAYER)
    uow = _Uow(_Statements({BOOKING: [paid]}))
    assert await payments_of_booking(uow, BOOKING, Caller(PAYER)) == [paid]
    assert await payments_of_booking(uow, BOOKING, Caller(uuid.uuid4(), is_admin=True)) == [paid]
    with pytest.raises(Forbidden):
        await payments_of_booking(uow, BOOKING, Caller(uuid.uuid4()))
    with pytest.raises(NotFound):
        await payments_of_booking(uow, uuid.uuid4(), Caller(PAYER, is_admin=True))


async def test_a_programme_sessions_confirmation_remembers_the_cycle_that_paid_it() -> None:
    uow, stripe = FakePaymentsUnitOfWork(), FakeStripe()
    cycle_payment = uuid.uuid4()
    confirmed = example(
        BookingConfirmed, booking_id=BOOKING, payment_id=cycle_payment,
        payment_method="subscription",
    )  # fmt: skip
    for _ in range(2):  # the same confirmation again changes nothing
        env = Envelope.wrap(confirmed, source="booking")
        async with uow:
            await event_handlers(stripe)[BookingConfirmed](confirmed, env, uow)
            await uow.commit()
    assert uow.payments.sessions == {BOOKING: cycle_payment}
    assert stripe.calls == []  # a cycle is never captured: its invoice was paid
