"""Stripe events, from the webhook or from reconciliation: one code path.

The event only says *that* a PaymentIntent (or an invoice) changed; we re-fetch it and act
on its current status (localstripe even names an authorization
``payment_intent.succeeded``), unless our record of it is past the point where its status
matters. Each event id is stored once, in the transaction that
applies it, so a duplicate changes nothing; a Stripe outage while re-fetching writes
nothing, and the sender (or reconciliation) retries.
"""

from __future__ import annotations

import logging

from kairos_payments.service_layer.cycles import fetch_invoice, settle_invoice
from kairos_payments.service_layer.gateway import StripeEvent, StripeGateway
from kairos_payments.service_layer.ports import PaymentsUow, UowFactory
from kairos_payments.service_layer.settle import awaits_intent, settle_intent

log = logging.getLogger(__name__)


async def handle_stripe_event(
    uow_factory: UowFactory, gateway: StripeGateway, event: StripeEvent, via: str
) -> bool:
    """Apply ``event`` once; False when it had been handled before."""
    async with uow_factory() as uow:
        if not await _needs_fetch(uow, event):
            # a duplicate, an object we do not act on, or a settled payment: remembered only
            recorded = await uow.stripe_events.record(event, via)
            await uow.commit()
            return recorded
    intent, invoice, sub = None, None, None
    if event.object_type == "payment_intent" and event.object_id:
        intent = await gateway.retrieve_intent(event.object_id)  # raises StripeUnavailable
    elif event.object_type == "invoice" and event.object_id:
        invoice, sub = await fetch_invoice(gateway, event.object_id)
    async with uow_factory() as uow:
        if not await uow.stripe_events.record(event, via):
            return False  # a concurrent delivery won
        if intent is not None:
            await settle_intent(uow, intent)
        if invoice is not None:
            await settle_invoice(uow, invoice, sub)
        await uow.commit()
    return True


async def _needs_fetch(uow: PaymentsUow, event: StripeEvent) -> bool:
    """Whether the event's object must be re-fetched: not for an object we do not act on
    (a charge, the balance: Stripe sends several per payment), and not for a PaymentIntent
    whose payment is settled already (the capture's own payment_intent.succeeded, say).
    Nor for a duplicate, told here before any call to Stripe."""
    if not event.object_id or event.object_type not in ("payment_intent", "invoice"):
        return False
    if await uow.stripe_events.seen(event.id):
        return False
    if event.object_type == "payment_intent":
        return await awaits_intent(uow, event.object_id)
    return True
