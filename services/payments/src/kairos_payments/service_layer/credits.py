"""Buying credit packs (a Stripe PaymentIntent, captured at once) and reading a balance."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kairos_payments.domain.credits import PACKS, CreditPurchase, LedgerEntry
from kairos_payments.service_layer.gateway import (
    Intent,
    StripeGateway,
    StripeRejected,
    StripeUnavailable,
)
from kairos_payments.service_layer.ports import UowFactory
from kairos_payments.service_layer.settle import settle_intent
from kairos_platform.refusals import Forbidden, NotFound


class UnknownPack(NotFound):
    """No pack of that name is on sale (404)."""

    default_slug = "unknown-pack"

    def __init__(self, pack: str) -> None:
        super().__init__(f"There is no credit pack {pack}.")


class PurchaseNotYours(Forbidden):
    """A purchase id of someone else's (403)."""

    default_slug = "not-owner"

    def __init__(self, purchase_id: uuid.UUID) -> None:
        super().__init__("This purchase belongs to someone else.")


@dataclass(frozen=True)
class PurchaseResult:
    purchase: CreditPurchase
    intent: Intent | None


async def purchase_pack(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    *,
    user_id: uuid.UUID,
    pack: str,
    purchase_id: uuid.UUID | None,
    payment_method: str | None,
    contact: tuple[str | None, str | None] = (None, None),
) -> PurchaseResult:
    """Buy ``pack`` for ``user_id``, the caller: ``contact`` is theirs (their token's
    email and name), kept for the purchase's receipt."""
    chosen = PACKS.get(pack)
    if chosen is None:
        raise UnknownPack(pack)
    wanted = CreditPurchase(
        purchase_id=purchase_id or uuid.uuid4(),
        user_id=user_id,
        pack=chosen.name,
        credits=chosen.credits,
        amount_minor=chosen.amount_minor,
        currency=chosen.currency,
        status="creating",
        payer_email=contact[0],
        payer_name=contact[1],
    )
    async with uow_factory() as uow:
        created = await uow.credits.add_purchase(wanted)
        found = await uow.credits.purchase(wanted.purchase_id)
        await uow.commit()
    assert found is not None
    if found.user_id != user_id:
        raise PurchaseNotYours(found.purchase_id)
    if not created and found.stripe_payment_intent_id:  # a retry of the same purchase
        return PurchaseResult(found, await gateway.retrieve_intent(found.stripe_payment_intent_id))
    intent = await _open(uow_factory, gateway, found, payment_method)
    if payment_method and intent.status == "requires_confirmation":
        intent = await gateway.confirm_intent(
            intent.id, idempotency_key=f"kairos-purchase-{found.purchase_id}-confirm"
        )
        async with uow_factory() as uow:
            await settle_intent(uow, intent)
            await uow.commit()
    async with uow_factory() as uow:
        current = await uow.credits.purchase(found.purchase_id)
    return PurchaseResult(current or found, intent)


async def _open(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    purchase: CreditPurchase,
    payment_method: str | None,
) -> Intent:
    try:
        intent = await gateway.create_intent(
            amount=purchase.amount_minor,
            currency=purchase.currency,
            metadata={
                "purchase_id": str(purchase.purchase_id),
                "user_id": str(purchase.user_id),
                "pack": purchase.pack,
            },
            idempotency_key=f"kairos-purchase-{purchase.purchase_id}-create",
            manual_capture=False,
            payment_method=payment_method,
        )
    except (StripeUnavailable, StripeRejected):
        raise
    async with uow_factory() as uow:
        await uow.credits.move_purchase(
            purchase.purchase_id, ["creating"], "open", stripe_payment_intent_id=intent.id
        )
        await uow.commit()
    return intent


@dataclass(frozen=True)
class Balance:
    user_id: uuid.UUID
    balance: int
    #: one page of the ledger, newest first (``limit + 1`` entries read: the extra one
    #: says another page follows)
    ledger: list[LedgerEntry]


async def balance_and_ledger(
    uow_factory: UowFactory, user_id: uuid.UUID, *, before: int | None, limit: int
) -> Balance:
    """The balance and the ledger entries older than entry ``before`` (None: the newest),
    read in one transaction."""
    async with uow_factory() as uow:
        balance = await uow.credits.balance(user_id)
        entries = await uow.credits.ledger(user_id, before=before, limit=limit)
    return Balance(user_id, balance, entries)
