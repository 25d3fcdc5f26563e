"""Unsubscribe and reactivate: one handler each, whoever asks (mentee or admin).

Same shape as captures and voids: the wish is recorded (``cancelling`` with the
unsubscribe time, or ``reactivating``), committed, Stripe is called under a short lease,
then the result and its event are written in a second transaction with a conditional
transition (one winner). If Stripe is away the wish stays and reconciliation re-drives it.

Unsubscribing cancels the Stripe subscription at once (booking cancels the future
sessions at once too, and nothing is refunded). A cancelled Stripe subscription cannot be
resumed, so reactivating opens a new one for the same customer and plan, linked to the
same row; while the last paid cycle still runs it starts with a trial up to that cycle's
end, so the mentee is not charged twice for the same weeks.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from kairos_contracts.types import Actor
from kairos_payments.domain.subscriptions import Subscription
from kairos_payments.domain.subscriptions import SubscriptionStatus as S
from kairos_payments.service_layer import outgoing
from kairos_payments.service_layer.checkout import Caller
from kairos_payments.service_layer.cycles import settle_invoice
from kairos_payments.service_layer.gateway import (
    PaymentRefused,
    StripeGateway,
    StripeRejected,
    StripeUnavailable,
)
from kairos_payments.service_layer.ports import PaymentsUow, UowFactory
from kairos_payments.service_layer.rounds import CardRefused, Opened, open_round
from kairos_platform.refusals import Conflict, Forbidden, NotFound

log = logging.getLogger(__name__)
LEASE_S = 30.0
#: A trial shorter than this is not worth it: bill the next cycle now.
MIN_TRIAL = timedelta(minutes=5)


class Refused(PaymentRefused):
    """Stripe refused the new subscription (its first payment, or the request) (402)."""

    def __init__(self, reason: str) -> None:
        super().__init__("The card was refused.")
        self.reason = reason


class UnknownSubscription(NotFound):
    """404."""

    default_slug = "unknown-subscription"

    def __init__(self, subscription_id: uuid.UUID) -> None:
        super().__init__("There is no such subscription.")


class NotYourSubscription(Forbidden):
    """403."""

    default_slug = "not-owner"

    def __init__(self, subscription_id: uuid.UUID) -> None:
        super().__init__("This subscription belongs to someone else.")


class NotCancellable(Conflict):
    """Only an active subscription can be cancelled (409)."""

    default_slug = "not-active"

    def __init__(self, status: S) -> None:
        super().__init__(f"A subscription that is {status.value} cannot be cancelled.")


class NotCancelled(Conflict):
    """Only a cancelled subscription can be reactivated (409)."""

    default_slug = "not-cancelled"

    def __init__(self, status: S) -> None:
        super().__init__(
            f"Only a cancelled subscription can be reactivated; this one is {status.value}."
        )


def actor_of(caller: Caller) -> Actor:
    return Actor.ADMIN if caller.is_admin else Actor.MENTEE


async def _owned(uow: PaymentsUow, subscription_id: uuid.UUID, caller: Caller) -> Subscription:
    row = await uow.subscriptions.get(subscription_id)
    if row is None:
        raise UnknownSubscription(subscription_id)
    if not caller.is_admin and row.mentee_id != caller.user_id:
        raise NotYourSubscription(subscription_id)
    return row


async def unsubscribe(
    uow_factory: UowFactory, gateway: StripeGateway, subscription_id: uuid.UUID, caller: Caller
) -> Subscription:
    """Idempotent: a cancelled (or cancelling) subscription answers as it is."""
    async with uow_factory() as uow:
        row = await _owned(uow, subscription_id, caller)
        if row.status in (S.CANCELLED, S.CANCELLING):
            return row
        moved = await uow.subscriptions.transition(
            subscription_id,
            [S.ACTIVE],
            S.CANCELLING,
            unsubscribed_at=uow.now(),
            cancelled_by=actor_of(caller).value,
        )
        if moved is None:
            raise NotCancellable(row.status)
        await uow.commit()
    return await drive_subscription(uow_factory, gateway, subscription_id)


async def reactivate(
    uow_factory: UowFactory, gateway: StripeGateway, subscription_id: uuid.UUID, caller: Caller
) -> Subscription:
    """The one reactivation handler: the mentee's route and the admin's both call it."""
    async with uow_factory() as uow:
        row = await _owned(uow, subscription_id, caller)
        moved = await uow.subscriptions.transition(
            subscription_id,
            [S.CANCELLED],
            S.REACTIVATING,
            reactivated_by=actor_of(caller).value,
            round=row.round + 1,
        )
        if moved is None:
            raise NotCancelled(row.status)
        await uow.commit()
    return await drive_subscription(uow_factory, gateway, subscription_id, raise_refusal=True)


async def drive_subscription(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    subscription_id: uuid.UUID,
    raise_refusal: bool = False,
) -> Subscription:
    """Make the Stripe call a cancelling or reactivating row waits for; the row after."""
    async with uow_factory() as uow:
        row = await uow.subscriptions.lease(
            subscription_id, [S.CANCELLING, S.REACTIVATING], LEASE_S
        )
        await uow.commit()
    if row is not None:
        try:
            if row.status is S.CANCELLING:
                await _cancel_at_stripe(uow_factory, gateway, row)
            else:
                await _reopen_at_stripe(uow_factory, gateway, row)
        except Refused:
            if raise_refusal:
                raise  # the row went back to cancelled: the caller hears why
        except (StripeUnavailable, StripeRejected) as exc:
            log.warning("Stripe call for subscription %s failed (%s); will retry", row, exc)
            async with uow_factory() as uow:
                await uow.subscriptions.release(subscription_id)
                await uow.commit()
    async with uow_factory() as uow:
        now = await uow.subscriptions.get(subscription_id)
    assert now is not None
    return now


async def _cancel_at_stripe(
    uow_factory: UowFactory, gateway: StripeGateway, row: Subscription
) -> None:
    if row.stripe_subscription_id:
        await gateway.cancel_subscription(row.stripe_subscription_id)
    async with uow_factory() as uow:
        if done := await uow.subscriptions.transition(
            row.subscription_id, [S.CANCELLING], S.CANCELLED
        ):
            uow.emit(outgoing.subscription_cancelled(done))
        await uow.commit()


async def _reopen_at_stripe(
    uow_factory: UowFactory, gateway: StripeGateway, row: Subscription
) -> None:
    assert row.stripe_customer_id is not None and row.unsubscribed_at is not None
    trial_end = await _trial_end(uow_factory, row)
    try:
        opened = await open_round(gateway, row, row.stripe_customer_id, trial_end)
    except (CardRefused, StripeRejected) as exc:
        async with uow_factory() as uow:  # back to cancelled: nothing was reactivated
            await uow.subscriptions.transition(row.subscription_id, [S.REACTIVATING], S.CANCELLED)
            await uow.commit()
        raise Refused(str(exc)) from exc
    await _record_reactivation(uow_factory, row, opened)


async def _trial_end(uow_factory: UowFactory, row: Subscription) -> int | None:
    """Bill from the end of the last paid cycle when it is still running."""
    async with uow_factory() as uow:
        last = await uow.subscriptions.last_cycle(row.subscription_id)
    if last is None or last.ends_at - uow.now() < MIN_TRIAL:
        return None
    return int(last.ends_at.timestamp())


async def _record_reactivation(uow_factory: UowFactory, row: Subscription, opened: Opened) -> None:
    assert row.unsubscribed_at is not None
    by = Actor(row.reactivated_by or Actor.SYSTEM.value)
    async with uow_factory() as uow:
        done = await uow.subscriptions.transition(
            row.subscription_id,
            [S.REACTIVATING],
            S.ACTIVE,
            stripe_subscription_id=opened.stripe_sub.id,
            unsubscribed_at=None,
            cancelled_by=None,
            reactivated_by=None,
        )
        if done is not None:
            uow.emit(outgoing.subscription_reactivated(done, row.unsubscribed_at, by, uow.now()))
            if opened.invoice is not None:
                await settle_invoice(uow, opened.invoice, opened.stripe_sub)
        await uow.commit()
