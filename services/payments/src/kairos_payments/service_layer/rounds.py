"""Opening a Stripe subscription for one of our rows (a *round*): at subscribe, at each
reactivation, and when reconciliation takes over one that stopped half-way.

Each round's Stripe subscription is tagged with the row's key for that round, and we look
for it before creating one: localstripe ignores Idempotency-Key, so a retry after a crash
between Stripe's answer and our commit must find the first one, never open a second.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kairos_payments.domain.subscriptions import Subscription, first_payment_refused
from kairos_payments.service_layer.gateway import (
    PaymentRefused,
    StripeGateway,
    StripeInvoice,
    StripeSubscription,
)
from kairos_payments.service_layer.ports import UowFactory


class CardRefused(PaymentRefused):
    """The first invoice of a new Stripe subscription was not paid (402)."""

    def __init__(self, stripe_subscription_id: str) -> None:
        super().__init__("The card was refused.")
        self.stripe_subscription_id = stripe_subscription_id


@dataclass(frozen=True)
class Opened:
    stripe_sub: StripeSubscription
    invoice: StripeInvoice | None


async def customer_for(uow_factory: UowFactory, gateway: StripeGateway, user_id: uuid.UUID) -> str:
    """The user's Stripe customer, created on first use. Two first uses at once may both
    create one; the first remembered wins and the other stays unused at Stripe."""
    async with uow_factory() as uow:
        found = await uow.subscriptions.customer(user_id)
    if found:
        return found
    created = await gateway.create_customer(
        metadata={"user_id": str(user_id)}, idempotency_key=f"kairos-customer-{user_id}"
    )
    async with uow_factory() as uow:
        kept = await uow.subscriptions.keep_customer(user_id, created)
        await uow.commit()
    return kept


async def open_round(
    gateway: StripeGateway, row: Subscription, customer: str, trial_end: int | None
) -> Opened:
    """This round's Stripe subscription (found or created) and its first invoice as
    Stripe has it. A refused first payment cancels it at Stripe and raises CardRefused."""
    found = await gateway.find_subscription(customer, row.stripe_key())
    sub = found or await gateway.create_subscription(
        customer=customer,
        plan=row.stripe_plan_id,
        metadata=row.stripe_metadata(),
        idempotency_key=row.stripe_key(),
        trial_end=trial_end,
    )
    invoice = await gateway.retrieve_invoice(sub.latest_invoice) if sub.latest_invoice else None
    if first_payment_refused(sub.status, invoice.status if invoice else None):
        await gateway.cancel_subscription(sub.id)
        raise CardRefused(sub.id)
    return Opened(sub, invoice)
