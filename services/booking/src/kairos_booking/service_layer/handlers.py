"""Event handlers of the booking service (event -> effect, inside the unit of work)."""

from __future__ import annotations

from typing import Any

from kairos_booking.service_layer import (
    payment_batch,
    payment_events,
    reprobation,
    subscriptions,
)
from kairos_contracts.events.attendance import MenteeReactivated, MenteeReprobated
from kairos_contracts.events.payments import (
    PaymentCancelled,
    PaymentVerified,
    SubscriptionCancelled,
    SubscriptionReactivated,
)
from kairos_platform import ping


def event_handlers() -> dict[Any, Any]:
    return {
        **ping.HANDLERS,
        PaymentVerified: payment_events.on_payment_verified,
        PaymentCancelled: payment_events.on_payment_cancelled,
        SubscriptionCancelled: subscriptions.on_subscription_cancelled,
        SubscriptionReactivated: subscriptions.on_subscription_reactivated,
        MenteeReprobated: reprobation.on_mentee_reprobated,
        MenteeReactivated: reprobation.on_mentee_reactivated,
    }


def event_batch_handlers() -> dict[Any, Any]:
    """Set-based handlers for runs of one event type (the consumer's fast path); what they
    leave goes to the handler of the same type above."""
    return {PaymentVerified: payment_batch.on_payment_verified_batch}
