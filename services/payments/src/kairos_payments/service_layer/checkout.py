"""Checkout: pay for a hold by card (a manual-capture PaymentIntent) or with credits.

The price is the hold projection's (booking decided it). One hold has one payment: the
unique ``payments.hold_id`` row is inserted *before* Stripe is called, so concurrent
checkouts of one hold open one PaymentIntent, and a repeat returns the same one.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from kairos_contracts.types import PaymentMethod
from kairos_payments.domain.holds import Hold
from kairos_payments.domain.payments import IntentStatus, Payment
from kairos_payments.domain.payments import PaymentStatus as S
from kairos_payments.service_layer import outgoing
from kairos_payments.service_layer.gateway import (
    Intent,
    StripeGateway,
    StripeRejected,
    StripeUnavailable,
)
from kairos_payments.service_layer.offerings import title_of
from kairos_payments.service_layer.ports import PaymentsUow, UowFactory
from kairos_payments.service_layer.settle import settle_intent
from kairos_platform.refusals import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    PaymentRequired,
)

POLL_S = 0.05
#: a hold not known yet is looked for again after these pauses (the last one repeats):
#: soon at first, since HoldPlaced usually arrives within milliseconds
WAIT_PAUSES_S = (0.01, 0.02, 0.05, 0.05, 0.1, 0.1, 0.2)


class HoldUnknown(NotFound):
    """No HoldPlaced for it reached us within the wait: no such hold, or not yet known
    (404). A hold placed a moment ago is waited for, so this is not a retry-me answer."""

    default_slug = "hold-unknown"

    def __init__(self, hold_id: uuid.UUID) -> None:
        super().__init__(f"No hold {hold_id} is known here: no such hold, or not yet known.")


class HoldGone(Gone):
    """The hold expired or was released (410)."""

    default_slug = "hold-gone"

    def __init__(self, hold_id: uuid.UUID) -> None:
        super().__init__("The hold has expired or was released.")
        self.hold_id = hold_id


class NotYourHold(Forbidden):
    """Someone else's hold (403)."""

    default_slug = "not-owner"

    def __init__(self, hold_id: uuid.UUID) -> None:
        super().__init__("This hold belongs to someone else.")


class HoldAlreadyPaid(Conflict):
    """The hold has a payment of another method, or one that ended (409)."""

    default_slug = "hold-taken"

    def __init__(self, hold_id: uuid.UUID) -> None:
        super().__init__("This hold already has a payment.")


class CreditsNotAccepted(Conflict):
    """The offering has no price in credits (409)."""

    default_slug = "no-credit-price"

    def __init__(self, hold_id: uuid.UUID) -> None:
        super().__init__("This session cannot be paid with credits.")


class CheckoutInProgress(Conflict):
    """Another request is opening this hold's PaymentIntent right now and did not finish
    within the wait (409 with Retry-After: two requests for one hold at once)."""

    default_slug = "checkout-in-progress"

    def __init__(self, hold_id: uuid.UUID) -> None:
        super().__init__(
            "A checkout for this hold is in progress; retry in a moment.", retry_after_s=1
        )


class CardDeclined(PaymentRequired):
    """The card was refused (402). The payment stays open and the hold stays the payer's
    until it expires: a checkout with another card pays the same PaymentIntent."""

    title = "Card declined"
    default_slug = "card-declined"

    def __init__(self, payment: Payment, hold: Hold) -> None:
        said = payment.decline_message or "The card was declined."
        super().__init__(
            f"{said} The hold stays yours until it expires: pay again with another card.",
            decline_code=payment.decline_code,
            payment_id=str(payment.payment_id),
            hold_id=str(payment.hold_id),
            hold_expires_at=hold.expires_at.isoformat(),
        )
        self.payment, self.hold = payment, hold


class UnknownPayment(NotFound):
    """No such payment, or not the caller's (404: another's is not revealed)."""

    default_slug = "unknown-checkout"

    def __init__(self, payment_id: uuid.UUID) -> None:
        super().__init__(f"There is no checkout {payment_id} of yours.")


class CreditsTakeNoCard(BadRequest):
    """A credit payment given a card (400)."""

    def __init__(self) -> None:
        super().__init__("A credit payment takes no payment_method_id.")


@dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID
    is_admin: bool = False
    #: (email, display name) from the caller's token (Principal.contact())
    contact: tuple[str | None, str | None] = (None, None)

    def contact_as_payer(self, hold: Hold) -> tuple[str | None, str | None]:
        """The contact a payment of this hold keeps: the caller's only when they are its
        mentee, the payer (an admin paying for someone must not leave their own address
        on the mentee's receipts)."""
        return self.contact if hold.mentee_id == self.user_id else (None, None)


@dataclass(frozen=True)
class CheckoutResult:
    payment: Payment
    created: bool
    intent: Intent | None = None
    balance_after: int | None = None


def _deadline(seconds: float) -> float:
    return time.monotonic() + seconds


async def payable_hold(
    uow_factory: UowFactory, hold_id: uuid.UUID, caller: Caller, wait_s: float
) -> Hold:
    """The hold, waiting up to ``wait_s`` for its HoldPlaced to arrive: a checkout sent
    right after the hold was placed succeeds, however the event travels (HOLD_WAIT_S)."""
    until = _deadline(wait_s)
    pauses = iter(WAIT_PAUSES_S)
    while True:
        async with uow_factory() as uow:
            hold = await uow.holds.get(hold_id)
        left = until - time.monotonic()
        if hold is not None or left <= 0:
            break
        await asyncio.sleep(min(next(pauses, WAIT_PAUSES_S[-1]), left))
    if hold is None:
        raise HoldUnknown(hold_id)
    if not caller.is_admin and hold.mentee_id != caller.user_id:
        raise NotYourHold(hold_id)
    if not hold.payable_at(uow.now()):
        raise HoldGone(hold_id)
    return hold


async def _still_payable(uow: PaymentsUow, hold_id: uuid.UUID) -> None:
    """The hold, read again with its row shared until the payment row is written: a
    HoldReleased or HoldExpired handled meanwhile either waits for us (and then finds the
    payment to cancel) or has ended it already (410). Read without the lock, a hold that
    ended between that read and the payment's insert left an open payment nobody cancels."""
    hold = await uow.holds.get(hold_id, lock=True)
    if hold is None or not hold.payable_at(uow.now()):
        raise HoldGone(hold_id)


def _new_payment(hold: Hold, method: PaymentMethod, status: S, caller: Caller) -> Payment:
    email, name = caller.contact_as_payer(hold)
    return Payment(
        payment_id=uuid.uuid4(),
        hold_id=hold.hold_id,
        method=method.value,
        mentee_id=hold.mentee_id,
        offering_id=hold.offering_id,
        amount_minor=hold.amount_minor,
        currency=hold.currency,
        status=status,
        credits_spent=hold.price_in_credits if method is PaymentMethod.CREDITS else None,
        payer_email=email,
        payer_name=name,
    )


async def _remember_payer(uow: PaymentsUow, found: Payment, hold: Hold, caller: Caller) -> None:
    """A payment made without the payer's contact (an admin paid, or it predates the
    columns) keeps the payer's when they call for it themself; a kept one stays."""
    email, name = caller.contact_as_payer(hold)
    if (email or name) and found.payer_email is None and found.payer_name is None:
        await uow.payments.remember_payer(found.payment_id, email, name)


async def checkout_card(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    *,
    hold_id: uuid.UUID,
    caller: Caller,
    payment_method: str | None,
    wait_s: float,
    takeover_s: float,
) -> CheckoutResult:
    """Open the hold's PaymentIntent (or find it) and, given a ``payment_method``, confirm
    it server-side: the first card, or another after a refusal (CardDeclined otherwise)."""
    hold = await payable_hold(uow_factory, hold_id, caller, wait_s)
    payment, mine = await _reserve_card_payment(uow_factory, hold, caller, wait_s, takeover_s)
    if mine:
        intent = await _open_intent(uow_factory, gateway, hold, payment, payment_method)
        if payment_method and intent.status == IntentStatus.REQUIRES_CONFIRMATION:
            key = f"{payment.idempotency_base}-confirm"
            intent = await _confirm(uow_factory, gateway, payment, intent.id, key)
    else:
        assert payment.stripe_payment_intent_id is not None
        intent = await gateway.retrieve_intent(payment.stripe_payment_intent_id)
        if payment_method and payment.status is S.OPEN and intent.status in CONFIRMABLE:
            # Another card for this hold (after a refusal): the same PaymentIntent. The key
            # names the attempt, so a retried request replays it instead of charging twice.
            key = f"{payment.idempotency_base}-confirm-{payment_method}-{payment.declined_charge}"
            intent = await _confirm(uow_factory, gateway, payment, intent.id, key, payment_method)
    async with uow_factory() as uow:
        current = await uow.payments.get(payment.payment_id) or payment
    if payment_method and current.status is S.OPEN and intent.observation().failed:
        raise CardDeclined(current, hold)
    return CheckoutResult(current, created=mine, intent=intent)


#: PaymentIntent statuses in which a card can be given and confirmed.
CONFIRMABLE = (IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.REQUIRES_CONFIRMATION)


async def _confirm(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    payment: Payment,
    intent_id: str,
    key: str,
    payment_method: str | None = None,
) -> Intent:
    """Confirm at Stripe and apply the result through the webhook's code path. A refused
    confirm (the PaymentIntent moved on meanwhile) applies what it moved to instead."""
    try:
        intent = await gateway.confirm_intent(
            intent_id, idempotency_key=key, payment_method=payment_method
        )
    except StripeRejected:
        intent = await gateway.retrieve_intent(intent_id)
    async with uow_factory() as uow:
        await settle_intent(uow, intent)
        await uow.commit()
    if intent.status == IntentStatus.CANCELED:
        raise HoldGone(payment.hold_id)  # the hold ended while we were at Stripe
    return intent


async def own_payment(uow_factory: UowFactory, payment_id: uuid.UUID, caller: Caller) -> Payment:
    async with uow_factory() as uow:
        payment = await uow.payments.get(payment_id)
    if payment is None or not (caller.is_admin or payment.mentee_id == caller.user_id):
        raise UnknownPayment(payment_id)
    return payment


async def refresh_checkout(
    uow_factory: UowFactory, gateway: StripeGateway, payment_id: uuid.UUID, caller: Caller
) -> CheckoutResult:
    """The browser says it confirmed: re-fetch the PaymentIntent now and apply it (the
    webhook's code path), rather than wait for Stripe's event."""
    payment = await own_payment(uow_factory, payment_id, caller)
    if payment.stripe_payment_intent_id is None:
        return CheckoutResult(payment, created=False)
    intent = await gateway.retrieve_intent(payment.stripe_payment_intent_id)
    if payment.status is S.OPEN:
        async with uow_factory() as uow:
            await settle_intent(uow, intent)
            await uow.commit()
        payment = await own_payment(uow_factory, payment_id, caller)
    return CheckoutResult(payment, created=False, intent=intent)


async def _reserve_card_payment(
    uow_factory: UowFactory, hold: Hold, caller: Caller, wait_s: float, takeover_s: float
) -> tuple[Payment, bool]:
    """(payment, True) when this request must open the PaymentIntent; (payment, False)
    when the hold's PaymentIntent exists already."""
    fresh = _new_payment(hold, PaymentMethod.CARD, S.CREATING, caller)
    until = _deadline(wait_s)
    while True:
        async with uow_factory() as uow:
            await _still_payable(uow, hold.hold_id)
            if await uow.payments.reserve(fresh):
                await uow.commit()
                return fresh, True
            found = await uow.payments.by_hold(hold.hold_id)
            assert found is not None
            if found.method != PaymentMethod.CARD:
                raise HoldAlreadyPaid(hold.hold_id)
            await _remember_payer(uow, found, hold, caller)
            if await uow.payments.take_over_creation(found.payment_id, takeover_s):
                await uow.commit()
                return found, True
            await uow.commit()
        if found.stripe_payment_intent_id is not None:
            return found, False
        if found.status is not S.CREATING:
            raise HoldAlreadyPaid(hold.hold_id)
        if time.monotonic() >= until:
            raise CheckoutInProgress(hold.hold_id)
        await asyncio.sleep(POLL_S)


async def _open_intent(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    hold: Hold,
    payment: Payment,
    payment_method: str | None,
) -> Intent:
    try:
        intent = await gateway.create_intent(
            amount=hold.amount_minor,
            currency=hold.currency,
            metadata={**hold.stripe_metadata(), "payment_id": str(payment.payment_id)},
            idempotency_key=f"{payment.idempotency_base}-create",
            manual_capture=True,
            payment_method=payment_method,
        )
    except (StripeUnavailable, StripeRejected):
        async with uow_factory() as uow:  # let the client's retry take over at once
            await uow.payments.transition(payment.payment_id, [S.CREATING], S.CREATE_FAILED)
            await uow.commit()
        raise
    async with uow_factory() as uow:
        recorded = await uow.payments.transition(
            payment.payment_id, [S.CREATING], S.OPEN, stripe_payment_intent_id=intent.id
        )
        await uow.commit()
    if recorded is None:
        # The hold ended while we were at Stripe, or a retry took the creation over: this
        # PaymentIntent must never be paid.
        await gateway.cancel_intent(intent.id, idempotency_key=f"{payment.idempotency_base}-x")
        async with uow_factory() as uow:
            now = await uow.payments.get(payment.payment_id)
        if now is not None and now.status is S.CANCELLED:
            raise HoldGone(hold.hold_id)
        raise CheckoutInProgress(hold.hold_id)
    return intent


async def checkout_credits(
    uow_factory: UowFactory, *, hold_id: uuid.UUID, caller: Caller, wait_s: float
) -> CheckoutResult:
    """Debit the hold's price in credits and emit PaymentVerified, in one transaction."""
    hold = await payable_hold(uow_factory, hold_id, caller, wait_s)
    if hold.price_in_credits is None:
        raise CreditsNotAccepted(hold_id)
    payment = _new_payment(hold, PaymentMethod.CREDITS, S.VERIFIED, caller)
    async with uow_factory() as uow:
        await _still_payable(uow, hold_id)
        if not await uow.payments.reserve(payment):
            found = await uow.payments.by_hold(hold_id)
            if found is None or found.method != PaymentMethod.CREDITS:
                raise HoldAlreadyPaid(hold_id)
            await _remember_payer(uow, found, hold, caller)
            await uow.commit()
            return CheckoutResult(found, created=False)
        # Raises InsufficientCredits: the unit of work is left uncommitted, nothing stays.
        after = await uow.credits.debit(hold.mentee_id, hold.price_in_credits, payment.payment_id)
        uow.emit(outgoing.verified(payment, uow.now(), await title_of(uow, hold.offering_id)))
        await uow.commit()
    return CheckoutResult(payment, created=True, balance_after=after)


async def checkout(
    uow_factory: UowFactory,
    gateway: StripeGateway,
    *,
    hold_id: uuid.UUID,
    method: PaymentMethod,
    payment_method: str | None,
    caller: Caller,
    wait_s: float,
    takeover_s: float,
) -> CheckoutResult:
    """Pay for a hold by card (``payment_method``: a Stripe payment method to confirm
    with, else the browser confirms) or with credits (no payment method)."""
    if method is PaymentMethod.CREDITS:
        if payment_method:
            raise CreditsTakeNoCard()
        return await checkout_credits(uow_factory, hold_id=hold_id, caller=caller, wait_s=wait_s)
    return await checkout_card(
        uow_factory,
        gateway,
        hold_id=hold_id,
        caller=caller,
        payment_method=payment_method,
        wait_s=wait_s,
        takeover_s=takeover_s,
    )
