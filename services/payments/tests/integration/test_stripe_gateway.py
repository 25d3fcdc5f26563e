"""The Stripe adapter against a real localstripe: what each call answers (the paid path's
re-fetch and capture read Stripe's JSON themselves), and Stripe's refusals and absence
turned into the port's two kinds."""

from __future__ import annotations

import uuid

import pytest

from kairos_localstack.ports import free_port
from kairos_localstack.stripe import LocalStripe
from kairos_payments.adapters.stripe_gateway import SdkStripeGateway
from kairos_payments.service_layer.gateway import Intent, StripeRejected, StripeUnavailable

from .conftest import settings_for


def _gateway(api_base: str) -> SdkStripeGateway:
    return SdkStripeGateway(settings_for("postgresql+asyncpg://unused/none", api_base))


async def _authorized(gateway: SdkStripeGateway, card: str = "pm_card_visa") -> Intent:
    key = uuid.uuid4().hex
    intent = await gateway.create_intent(
        amount=4500, currency="EUR", metadata={"payment_id": key}, idempotency_key=key,
        manual_capture=True,
    )  # fmt: skip
    return await gateway.confirm_intent(intent.id, idempotency_key=key, payment_method=card)


async def test_the_re_fetch_and_the_capture_answer_the_intent(localstripe: LocalStripe) -> None:
    gateway = _gateway(localstripe.api_base)
    authorized = await _authorized(gateway)
    fetched = await gateway.retrieve_intent(authorized.id)
    assert (fetched.id, fetched.status, fetched.amount, fetched.currency) == (
        authorized.id, "requires_capture", 4500, "EUR",
    )  # fmt: skip
    assert fetched.metadata == authorized.metadata and fetched.error_code is None
    key = uuid.uuid4().hex
    captured = await gateway.capture_intent(authorized.id, idempotency_key=key)
    assert (captured.id, captured.status, captured.amount) == (authorized.id, "succeeded", 4500)
    assert (await gateway.retrieve_intent(authorized.id)).status == "succeeded"


async def test_a_declined_card_is_read_from_the_re_fetched_intent(
    localstripe: LocalStripe,
) -> None:
    gateway = _gateway(localstripe.api_base)
    declined = await _authorized(gateway, "pm_card_chargeCustomerFail")
    fetched = await gateway.retrieve_intent(declined.id)
    assert fetched.status == "requires_payment_method"
    assert fetched.error_code and fetched.error_charge, fetched


async def test_stripe_refusing_is_rejected_and_stripe_away_is_unavailable(
    localstripe: LocalStripe,
) -> None:
    gateway = _gateway(localstripe.api_base)
    with pytest.raises(StripeRejected):
        await gateway.retrieve_intent("pi_none_such")
    with pytest.raises(StripeRejected):
        await gateway.capture_intent("pi_none_such", idempotency_key=uuid.uuid4().hex)
    unpaid = await gateway.create_intent(
        amount=100, currency="EUR", metadata={}, idempotency_key=uuid.uuid4().hex,
        manual_capture=True,
    )  # fmt: skip
    away = _gateway(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StripeUnavailable):
        await away.retrieve_intent(unpaid.id)
    with pytest.raises(StripeUnavailable):
        await away.capture_intent(unpaid.id, idempotency_key=uuid.uuid4().hex)
