"""A paid invoice becomes a paid cycle: the one code path shared by webhooks,
reconciliation, subscribe and reactivate.

Decided on the invoice's and the Stripe subscription's statuses as re-fetched (never on
the event's name). One cycle row per invoice, inserted under the subscription row's lock,
so PaymentVerified for an invoice is emitted once however often and in whatever order the
invoice is seen.

How cycles are numbered: per subscription row (our id), across every Stripe subscription
the row has had (reactivation opens a new one), 1 for the first paid invoice and one more
for each further paid invoice in the order we record them. Stripe bills a subscription's
invoices one period after another, so that order is the order of the periods.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from kairos_payments.domain.subscriptions import (
    Cycle,
    InvoiceOutcome,
    Period,
    Subscription,
    cycle_period,
    invoice_outcome,
)
from kairos_payments.service_layer import outgoing
from kairos_payments.service_layer.gateway import StripeGateway, StripeInvoice, StripeSubscription
from kairos_payments.service_layer.offerings import title_of
from kairos_payments.service_layer.ports import PaymentsUow

log = logging.getLogger(__name__)


def _at(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


async def fetch_invoice(
    gateway: StripeGateway, invoice_id: str
) -> tuple[StripeInvoice, StripeSubscription | None]:
    """The invoice and its subscription, both as Stripe has them now (no transaction open)."""
    invoice = await gateway.retrieve_invoice(invoice_id)
    if invoice.subscription is None:
        return invoice, None
    return invoice, await gateway.retrieve_subscription(invoice.subscription)


async def _owner(uow: PaymentsUow, stripe_sub: StripeSubscription) -> Subscription | None:
    """Our row for a Stripe subscription, locked. The metadata names it for every round;
    the current id is the fallback for one created outside this code."""
    tagged = stripe_sub.metadata.get("subscription_id")
    if tagged:
        try:
            return await uow.subscriptions.get(uuid.UUID(tagged), lock=True)
        except ValueError:
            pass
    found = await uow.subscriptions.by_stripe_id(stripe_sub.id)
    return await uow.subscriptions.get(found.subscription_id, lock=True) if found else None


async def settle_invoice(
    uow: PaymentsUow, invoice: StripeInvoice, stripe_sub: StripeSubscription | None
) -> Cycle | None:
    """Record the invoice as a paid cycle and emit PaymentVerified, if it is one and was
    not recorded before; the new cycle, or None."""
    if stripe_sub is None:
        return None  # not a subscription invoice
    row = await _owner(uow, stripe_sub)
    if row is None:
        log.info("invoice %s is not for one of our subscriptions", invoice.id)
        return None
    outcome = invoice_outcome(invoice.status, stripe_sub.status, row.status)
    if outcome is InvoiceOutcome.NOT_YET:
        return None
    if outcome is InvoiceOutcome.NOT_BILLABLE:
        log.warning(
            "invoice %s paid for subscription %s (%s, Stripe %s): no cycle",
            invoice.id,
            row.subscription_id,
            row.status,
            stripe_sub.status,
        )
        return None
    if await uow.subscriptions.cycle_of_invoice(invoice.id) is not None:
        return None
    cycle = await _next_cycle(uow, row, invoice, stripe_sub.id)
    if not await uow.subscriptions.add_cycle(cycle):
        return None
    await uow.subscriptions.set_period(row.subscription_id, cycle)
    uow.emit(outgoing.cycle_verified(row, cycle, uow.now(), await title_of(uow, row.offering_id)))
    return cycle


async def _next_cycle(
    uow: PaymentsUow, row: Subscription, invoice: StripeInvoice, stripe_sub_id: str
) -> Cycle:
    last = await uow.subscriptions.last_cycle(row.subscription_id)
    billed = Period(_at(invoice.period_start), _at(invoice.period_end))
    period = cycle_period(billed, last.ends_at if last else None)
    return Cycle(
        stripe_invoice_id=invoice.id,
        subscription_id=row.subscription_id,
        payment_id=outgoing.cycle_payment_id(invoice.id),
        number=(last.number + 1) if last else 1,
        starts_at=period.starts_at,
        ends_at=period.ends_at,
        amount_minor=invoice.amount_paid,
        currency=invoice.currency or row.currency,
        stripe_subscription_id=stripe_sub_id,
    )
