"""Buying credit packs (a Stripe PaymentIntent, captured at once) and reading a balance."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kairos_payments.domain.credits import PACKS, CreditPurchase
from kairos_payments.service_layer.gateway import (
    Intent,
    StripeGateway,
    StripeRejected,
    StripeUnavailable,
)
from kairos_payments.service_layer.settle import settle_intent
from kairos_payments.service_layer.unit_of_work import ServiceUnitOfWork

UowFactory = Callable[[], ServiceUnitOfWork]


class UnknownPack(Exception):
    pass


class PurchaseNotYours(Exception):
    pass


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
) -> PurchaseResult:
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
    )
    async with uow_factory() as uow:
        created = await uow.credits.add_purchase(wanted)
        found = await uow.credits.purchase(wanted.purchase_id)
        await uow.commit()
    assert found is not None
    if found.user_id != user_id:
        raise PurchaseNotYours(str(found.purchase_id))
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


async def balance_and_ledger(uow_factory: UowFactory, user_id: uuid.UUID) -> dict[str, Any]:
    async with uow_factory() as uow:
        return {
            "user_id": str(user_id),
            "balance": await uow.credits.balance(user_id),
            "ledger": [
                {
                    "delta": e["delta"],
                    "balance_after": e["balance_after"],
                    "reason": e["reason"],
                    "reference": str(e["reference"]),
                    "at": e["created_at"].isoformat(),
                }
                for e in await uow.credits.ledger(user_id)
            ],
        }
