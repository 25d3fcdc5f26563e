"""Subscribing a mentee to a recurring offering (a Stripe subscription on the offering's
plan, billed at booking's price; the client never sends an amount).

One live row per (offering, mentee): it is inserted *before* Stripe is called, so
concurrent requests open one Stripe subscription. A refused card frees the row (failed)
so the mentee may try another card. If Stripe goes away half-way the row stays
``creating`` and reconciliation finishes it (adopts the tagged Stripe subscription or
fails the row); meanwhile a retry answers 409 ``already-subscribed``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass

from kairos_payments.domain.subscriptions import Offering, Subscription, first_payment_refused
from kairos_payments.domain.subscriptions import SubscriptionStatus as S
from kairos_payments.service_layer.checkout import WAIT_PAUSES_S
from kairos_payments.service_layer.cycles import settle_invoice
from kairos_payments.service_layer.gateway import StripeGateway, StripeRejected
from kairos_payments.service_layer.ports import UowFactory
from kairos_payments.service_layer.rounds import CardRefused, Opened, customer_for, open_round
from kairos_platform.refusals import Conflict, Invalid, NotFound

log = logging.getLogger(__name__)
#: How long a subscribe request owns its new row before reconciliation may finish it:
#: longer than the few Stripe calls it makes, each bounded by STRIPE_TIMEOUT_S.
CREATION_LEASE_S = 120.0


class OfferingUnknown(NotFound):
    """No OfferingPublished for it reached us within the wait: no such offering, or not
    yet known (404). One published a moment ago is waited for."""

    default_slug = "unknown-offering"

    def __init__(self, offering_id: uuid.UUID) -> None:
        super().__init__(
            f"No offering {offering_id} is known here: no such offering, or not yet known."
        )


class OfferingUnavailable(NotFound):
    """Known but not on sale (inactive) (404)."""

    default_slug = "unknown-offering"

    def __init__(self, offering_id: uuid.UUID) -> None:
        super().__init__("The offering is not on sale.")


class NotRecurring(Invalid):
    """A one-time offering cannot be subscribed to (422)."""

    default_slug = "not-recurring"

    def __init__(self, offering_id: uuid.UUID) -> None:
        super().__init__("Only a recurring offering can be subscribed to.")


class AlreadySubscribed(Conflict):
    """The mentee has a subscription to this offering (409, naming it); a cancelled one
    is reactivated, not subscribed to again."""

    default_slug = "already-subscribed"

    def __init__(self, existing: Subscription) -> None:
        super().__init__(
            "You have a subscription to this offering.",
            subscription_id=str(existing.subscription_id),
            subscription_status=existing.status.value,
        )
        self.existing = existing


@dataclass(frozen=True)
class SubscribeResult:
    subscription: Subscription
    created: bool
    offering_title: str


async def subscribable_offering(
    uow_factory: UowFactory, offering_id: uuid.UUID, wait_s: float
) -> Offering:
    """The offering, waiting up to ``wait_s`` for its OfferingPublished to arrive: a
    subscription sent right after the offering was published succeeds (OFFERING_WAIT_S)."""
    until = time.monotonic() + wait_s
    pauses = iter(WAIT_PAUSES_S)
    while True:
        async with uow_factory() as uow:
            offering = await uow.offerings.get(offering_id)
        left = until - time.monotonic()
        if offering is not None or left <= 0:
            break
        await asyncio.sleep(min(next(pauses, WAIT_PAUSES_S[-1]), left))
    if offering is None:
        raise OfferingUnknown(offering_id)
    if not offering.active:
        raise OfferingUnavailable(offering_id)
    if not offering.recurring:
        raise NotRecurring(offering_id)
    return offering


async def subscribe(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    *,
    offering_id: uuid.UUID,
    mentee_id: uuid.UUID,
    payment_method: str,
    wait_s: float,
    contact: tuple[str | None, str | None] = (None, None),
) -> SubscribeResult:
    offering = await subscribable_offering(uow_factory, offering_id, wait_s)
    row = await _reserve(uow_factory, offering, mentee_id, payment_method, contact)
    try:
        customer = await customer_for(uow_factory, gateway, mentee_id)
        await gateway.attach_payment_method(customer, payment_method)
        await gateway.ensure_plan(
            plan_id=row.stripe_plan_id,
            amount=row.amount_minor,
            currency=row.currency,
            interval=offering.interval or "month",
            product_name=offering.title,
        )
        opened = await open_round(gateway, row, customer, trial_end=None)
    except (StripeRejected, CardRefused):
        await _fail(uow_factory, row.subscription_id)
        raise
    # StripeUnavailable propagates (503) and leaves the row for reconciliation.
    subscription = await finish_creation(uow_factory, gateway, row, opened)
    return SubscribeResult(subscription, True, offering.title)


async def _reserve(
    uow_factory: UowFactory,
    offering: Offering,
    mentee_id: uuid.UUID,
    payment_method: str,
    contact: tuple[str | None, str | None],
) -> Subscription:
    row = Subscription(
        subscription_id=uuid.uuid4(),
        offering_id=offering.offering_id,
        mentee_id=mentee_id,
        status=S.CREATING,
        amount_minor=offering.amount_minor,
        currency=offering.currency,
        stripe_plan_id=offering.plan_id(),
        payment_method=payment_method,
        mentee_email=contact[0],
        mentee_name=contact[1],
    )
    async with uow_factory() as uow:
        if await uow.subscriptions.reserve(row, CREATION_LEASE_S):
            await uow.commit()
            return row
        existing = await uow.subscriptions.live_for(offering.offering_id, mentee_id)
    if existing is None:  # it failed between our insert and our read: try once more
        return await _reserve(uow_factory, offering, mentee_id, payment_method, contact)
    raise AlreadySubscribed(existing)


async def _fail(uow_factory: UowFactory, subscription_id: uuid.UUID) -> None:
    async with uow_factory() as uow:
        await uow.subscriptions.transition(subscription_id, [S.CREATING], S.FAILED)
        await uow.commit()


async def finish_creation(
    uow_factory: UowFactory, gateway: StripeGateway, row: Subscription, opened: Opened
) -> Subscription:
    """Record the Stripe subscription and, when its first invoice is paid already, the
    first cycle (PaymentVerified), in one transaction."""
    sub = opened.stripe_sub
    async with uow_factory() as uow:
        active = await uow.subscriptions.transition(
            row.subscription_id,
            [S.CREATING],
            S.ACTIVE,
            stripe_customer_id=sub.customer,
            stripe_subscription_id=sub.id,
        )
        if active is not None and opened.invoice is not None:
            await settle_invoice(uow, opened.invoice, sub)
        await uow.commit()
    if active is None:
        # Reconciliation failed the row while we were at Stripe: nobody may be billed.
        log.warning("subscription %s ended while being created; cancelling %s", row, sub.id)
        await gateway.cancel_subscription(sub.id)
    async with uow_factory() as uow:
        now = await uow.subscriptions.get(row.subscription_id)
    assert now is not None
    return now


async def resolve_creation(
    uow_factory: UowFactory, gateway: StripeGateway, subscription_id: uuid.UUID
) -> None:
    """Reconciliation's take on a row left ``creating`` (Stripe away, or a crash): adopt
    the Stripe subscription tagged for it, or fail the row so the mentee may retry."""
    async with uow_factory() as uow:
        row = await uow.subscriptions.lease(subscription_id, [S.CREATING], CREATION_LEASE_S)
        customer = await uow.subscriptions.customer(row.mentee_id) if row else None
        await uow.commit()
    if row is None:
        return
    found = await gateway.find_subscription(customer, row.stripe_key()) if customer else None
    invoice = None
    if found is not None and found.latest_invoice:
        invoice = await gateway.retrieve_invoice(found.latest_invoice)
    if found is not None and first_payment_refused(
        found.status, invoice.status if invoice else None
    ):
        await gateway.cancel_subscription(found.id)
        found = None
    if found is None:
        await _fail(uow_factory, subscription_id)
        return
    await finish_creation(uow_factory, gateway, row, Opened(found, invoice))
