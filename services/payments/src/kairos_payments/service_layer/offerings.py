"""Booking's offerings as a price list (OfferingPublished), what an unbookable
subscription occurrence is worth in credits, and an offering's title for receipts."""

from __future__ import annotations

import logging
import uuid

from kairos_contracts import Envelope
from kairos_contracts.events.booking import BookingRejected, OfferingPublished, RejectionReason
from kairos_payments.domain.credits import LedgerReason
from kairos_payments.domain.subscriptions import Offering, credits_for_unavailable_occurrence
from kairos_payments.service_layer.ports import PaymentsUow

log = logging.getLogger(__name__)


async def on_offering_published(
    event: OfferingPublished, envelope: Envelope, uow: PaymentsUow
) -> None:
    kept = await uow.offerings.publish(
        Offering(
            offering_id=event.offering_id,
            version=event.version,
            kind=event.kind.value,
            title=event.title,
            amount_minor=event.amount_minor,
            currency=event.currency,
            price_in_credits=event.price_in_credits,
            interval=event.interval,
            active=event.active,
        )
    )
    if not kept:
        log.info("OfferingPublished %s v%s is stale; dropped", event.offering_id, event.version)


async def title_of(uow: PaymentsUow, offering_id: uuid.UUID | None) -> str | None:
    """The offering's title as the projection holds it (what a payment bought, for the
    receipt); None while the offering is not known here."""
    if offering_id is None:
        return None
    offering = await uow.offerings.get(offering_id)
    return offering.title if offering is not None else None


async def on_subscription_rejection(event: BookingRejected, uow: PaymentsUow) -> None:
    """A paid cycle's occurrence that booking could not seat: the mentee gets credits for
    it, once per rejection (the ledger's unique cause). No money goes back: the cycle is
    billed per the contract."""
    if event.reason is not RejectionReason.OCCURRENCE_UNAVAILABLE:
        log.info(
            "subscription rejection %s (%s): nothing to give", event.rejection_id, event.reason
        )
        return
    offering = await uow.offerings.get(event.offering_id)
    credits = credits_for_unavailable_occurrence(offering)
    after = await uow.credits.credit(
        event.mentee.user_id, credits, LedgerReason.OCCURRENCE_UNAVAILABLE, event.rejection_id
    )
    if after is None:
        log.info("credits for rejection %s were given before", event.rejection_id)
