"""Payments' events -> receipts: a card payment captured, a credit pack bought, a
subscription cycle paid, a refund. Queued in the handler's transaction, keyed by the
payment (or refund, or purchase) so a replayed event queues nothing new.

Receipts always go (nobody can unsubscribe from them); a payer whose address payments did
not know and we never learned gets none, which the log says.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime

from kairos_calendar_sync.domain.bookings import Booking
from kairos_calendar_sync.domain.mails import MailKind, Money, ReceiptFacts
from kairos_calendar_sync.domain.people import nobody
from kairos_calendar_sync.service_layer.compose import Composer
from kairos_calendar_sync.service_layer.ports import CalendarUow
from kairos_contracts.events.payments import (
    CreditsPurchased,
    PaymentCaptured,
    PaymentRefunded,
    PaymentVerified,
)
from kairos_contracts.types import PaymentMethod, Person

log = logging.getLogger(__name__)

#: the zone of a receipt for someone who never chose one and has no session to go by
FALLBACK_ZONE = "UTC"


async def _queue(
    uow: CalendarUow,
    composer: Composer,
    kind: MailKind,
    payer: Person | None,
    user_id: uuid.UUID,
    facts: ReceiptFacts,
    *,
    key: str,
    booking_id: uuid.UUID | None = None,
    booking: Booking | None = None,
) -> None:
    """``booking``: the session paid or refunded, as the projection holds it (its zone
    stands in for the payer's when they never chose one)."""
    if payer is not None:
        await uow.people.learn(payer.user_id, payer.email, payer.display_name)
    person = await uow.people.get(user_id) or nobody(user_id)
    zone = booking.time_zone if booking is not None else FALLBACK_ZONE
    mail = composer.receipt(kind, person, facts, key=key, zone=zone, booking_id=booking_id)
    if mail is None:
        log.warning("no address for user %s: %s receipt %s not sent", user_id, kind, key)
        return
    await uow.mails.add(mail)


async def _booking(uow: CalendarUow, booking_id: uuid.UUID | None) -> Booking | None:
    return None if booking_id is None else await uow.bookings.get(booking_id)


def _what(described: str | None, booking: Booking | None) -> str:
    if described:
        return described
    return booking.title if booking is not None else "Kairos session"


def _facts(amount: int, currency: str, what: str, at: datetime, ref: str) -> ReceiptFacts:
    return ReceiptFacts(amount=Money(amount, currency), what=what, paid_at=at, reference=ref)


def receipted_when_captured(e: PaymentCaptured) -> bool:
    """A card payment; credits were paid for (and receipted) when the pack was bought."""
    return e.method is PaymentMethod.CARD


def receipted_when_verified(e: PaymentVerified) -> bool:
    """A subscription's cycle; card payments are receipted when captured, credits when
    bought."""
    return e.method is PaymentMethod.SUBSCRIPTION and e.cycle is not None


async def on_payment_captured(e: PaymentCaptured, uow: CalendarUow, composer: Composer) -> None:
    if not receipted_when_captured(e):
        return
    booking = await _booking(uow, e.booking_id)
    what = _what(e.description, booking)
    ref = e.stripe_payment_intent_id or str(e.payment_id)
    facts = _facts(e.amount_minor, e.currency, what, e.captured_at, ref)
    await _queue(
        uow,
        composer,
        MailKind.PAYMENT_RECEIPT,
        e.payer,
        e.mentee_id,
        facts,
        key=f"receipt.{e.payment_id}",
        booking_id=e.booking_id,
        booking=booking,
    )


async def on_payment_verified(e: PaymentVerified, uow: CalendarUow, composer: Composer) -> None:
    if not receipted_when_verified(e) or e.cycle is None:
        return
    what = _what(e.description, None)
    ref = e.stripe_invoice_id or str(e.payment_id)
    cycle = replace(
        _facts(e.amount_minor, e.currency, what, e.verified_at, ref),
        period_start=e.cycle.starts_at.date(),
        period_end=e.cycle.ends_at.date(),
    )
    await _queue(
        uow,
        composer,
        MailKind.CYCLE_RECEIPT,
        e.mentee,
        e.mentee_id,
        cycle,
        key=f"receipt.{e.payment_id}",
    )


async def on_credits_purchased(e: CreditsPurchased, uow: CalendarUow, composer: Composer) -> None:
    what = e.description or f"{e.credits} credits"
    ref = e.stripe_payment_intent_id or str(e.purchase_id)
    facts = replace(
        _facts(e.amount_minor, e.currency, what, e.purchased_at, ref), credits=e.credits
    )
    await _queue(
        uow,
        composer,
        MailKind.CREDITS_RECEIPT,
        e.payer,
        e.user_id,
        facts,
        key=f"receipt.{e.purchase_id}",
    )


async def on_payment_refunded(e: PaymentRefunded, uow: CalendarUow, composer: Composer) -> None:
    booking = await _booking(uow, e.booking_id)
    what = _what(e.description, booking)
    ref = e.stripe_refund_id or str(e.refund_id)
    facts = ReceiptFacts(
        amount=Money(e.amount_minor, e.currency),
        what=what,
        paid_at=e.refunded_at,
        reference=ref,
        credits=e.credits_returned,
        refund_reason=e.reason.value,
    )
    await _queue(
        uow,
        composer,
        MailKind.REFUND_RECEIPT,
        e.payer,
        e.mentee_id,
        facts,
        key=f"refund.{e.refund_id}",
        booking_id=e.booking_id,
        booking=booking,
    )
