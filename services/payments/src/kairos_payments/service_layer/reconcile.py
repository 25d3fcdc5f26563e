"""Reconciliation, run by the consumer process every few seconds (any number of replicas).

1. Stripe's event list since the last event seen goes through the webhook's code path:
   webhooks that never arrived are applied, the rest are skipped by event id. The cursor
   is leased by one replica at a time and goes back a minute on each pass, because event
   times have one-second resolution and may be written out of order.
2. Payments owing a Stripe call (capturing, voiding, cancelling) and refunds still pending
   for a while are re-driven (a crash between our commit and Stripe's answer).
3. PaymentIntents open for a while are re-fetched and settled: an authorization made in
   the browser whose event never came (localstripe sends none for manual capture).
4. Subscriptions left half-way are finished: a creation whose request died (the tagged
   Stripe subscription is adopted, or the row fails), an unsubscribe or reactivation
   whose Stripe call failed. Missed invoice webhooks come back through step 1.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from kairos_payments.domain.payments import PENDING_ACTIONS, PaymentStatus
from kairos_payments.domain.subscriptions import SubscriptionStatus
from kairos_payments.service_layer.actions import drive_payment, drive_refund
from kairos_payments.service_layer.gateway import StripeGateway, StripeUnavailable
from kairos_payments.service_layer.ports import UowFactory
from kairos_payments.service_layer.settle import settle_intent
from kairos_payments.service_layer.stripe_events import handle_stripe_event
from kairos_payments.service_layer.subscribe import resolve_creation
from kairos_payments.service_layer.subscription_changes import drive_subscription
from kairos_platform import metrics
from kairos_platform.jobs import run_loop

log = logging.getLogger(__name__)
CURSOR = "events"
OVERLAP_S = 60
LEASE_S = 120.0


@dataclass
class PassReport:
    events_applied: int = 0
    payments_driven: int = 0
    refunds_driven: int = 0
    intents_checked: int = 0
    subscriptions_driven: int = 0

    def count(self, service: str) -> None:
        """``reconciliation_repairs_total`` by kind: what this pass found missed and repaired
        (``intents_checked`` is every open intent looked at, not a repair)."""
        metrics.count_reconciliation_repairs(service, "missed_event", self.events_applied)
        metrics.count_reconciliation_repairs(service, "payment", self.payments_driven)
        metrics.count_reconciliation_repairs(service, "refund", self.refunds_driven)
        metrics.count_reconciliation_repairs(service, "subscription", self.subscriptions_driven)


async def reconcile_once(
    uow_factory: UowFactory, gateway: StripeGateway, stale_after_s: float
) -> PassReport:
    report = PassReport()
    report.events_applied = await replay_missed_events(uow_factory, gateway)
    async with uow_factory() as uow:
        stuck = await uow.payments.stale(PENDING_ACTIONS, stale_after_s)
        refunds = await uow.refunds.stale_pending(stale_after_s)
        open_ = await uow.payments.stale([PaymentStatus.OPEN], stale_after_s)
        purchases = await uow.credits.stale_open_purchases(stale_after_s)
    for pid in stuck:
        async with uow_factory() as uow:
            await drive_payment(uow, gateway, pid)
        report.payments_driven += 1
    for rid in refunds:
        async with uow_factory() as uow:
            await drive_refund(uow, gateway, rid)
        report.refunds_driven += 1
    report.intents_checked = await _recheck_open(uow_factory, gateway, open_, purchases)
    report.subscriptions_driven = await _redrive_subscriptions(uow_factory, gateway, stale_after_s)
    return report


async def _redrive_subscriptions(
    uow_factory: UowFactory, gateway: StripeGateway, stale_after_s: float
) -> int:
    """Subscriptions left half-way: a creation whose request is gone, an unsubscribe or
    a reactivation whose Stripe call failed."""
    async with uow_factory() as uow:
        creating = await uow.subscriptions.stale([SubscriptionStatus.CREATING], stale_after_s)
        waiting = await uow.subscriptions.stale(
            [SubscriptionStatus.CANCELLING, SubscriptionStatus.REACTIVATING], stale_after_s
        )
    for sid in creating:
        await resolve_creation(uow_factory, gateway, sid)
    for sid in waiting:
        await drive_subscription(uow_factory, gateway, sid)
    return len(creating) + len(waiting)


async def replay_missed_events(uow_factory: UowFactory, gateway: StripeGateway) -> int:
    async with uow_factory() as uow:
        since = await uow.stripe_events.lease_cursor(CURSOR, LEASE_S)
        await uow.commit()
    if since is None:
        return 0  # another replica is on it
    newest, applied, after = since, 0, None
    try:
        while True:
            page, more = await gateway.list_events(
                created_gte=max(0, since - OVERLAP_S), starting_after=after
            )
            for event in page:
                newest = max(newest, event.created)
                if await handle_stripe_event(uow_factory, gateway, event, "reconciliation"):
                    applied += 1
            if not more or not page:
                break
            after = page[-1].id
    finally:
        async with uow_factory() as uow:
            await uow.stripe_events.advance_cursor(CURSOR, newest)
            await uow.commit()
    return applied


async def _recheck_open(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    payment_ids: list[uuid.UUID],
    purchase_intents: list[str],
) -> int:
    intent_ids: list[str] = list(purchase_intents)
    async with uow_factory() as uow:
        for pid in payment_ids:
            p = await uow.payments.get(pid)
            if p is not None and p.stripe_payment_intent_id:
                intent_ids.append(p.stripe_payment_intent_id)
    for intent_id in intent_ids:
        intent = await gateway.retrieve_intent(intent_id)
        async with uow_factory() as uow:
            await settle_intent(uow, intent)
            await uow.commit()
    return len(intent_ids)


async def run_forever(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    stop: asyncio.Event,
    *,
    interval_s: float,
    stale_after_s: float,
    service: str = "payments",
) -> None:
    """The job, in the platform's loop: a pass every ``interval_s``; a failed pass is
    logged and the next one tries again (Stripe being unreachable is only a warning)."""

    async def step() -> int:
        try:
            report = await reconcile_once(uow_factory, gateway, stale_after_s)
            report.count(service)
        except StripeUnavailable as exc:
            log.warning("reconciliation: Stripe unavailable (%s)", exc)
        return 0  # one pass per interval

    await run_loop(stop, step, interval_s, name="reconciliation pass")
