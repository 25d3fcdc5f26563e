"""Event handlers of the calendar-sync service (event -> effect, inside the unit of work)."""

from __future__ import annotations

from functools import partial
from typing import Any

from kairos_calendar_sync.service_layer import receipts
from kairos_calendar_sync.service_layer.compose import Composer
from kairos_calendar_sync.service_layer.projection import on_booking_event
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRescheduled,
    BookingRestored,
)
from kairos_contracts.events.payments import (
    CreditsPurchased,
    PaymentCaptured,
    PaymentRefunded,
    PaymentVerified,
)
from kairos_platform import ping
from kairos_platform.messaging.consumer import Only


def _handler(fn: Any, composer: Composer) -> Any:
    """``fn(event, uow, composer)`` as the consumer calls handlers: (event, envelope, uow)."""

    async def handle(e: Any, env: Any, uow: Any) -> None:
        await fn(e, uow, composer)

    handle.__name__ = fn.__name__
    return handle


def event_handlers(composer: Composer) -> dict[Any, Any]:
    on = partial(_handler, composer=composer)
    booking_changed = on(on_booking_event)
    return {
        **ping.HANDLERS,
        BookingConfirmed: booking_changed,
        BookingRescheduled: booking_changed,
        BookingCancelled: booking_changed,
        BookingRestored: booking_changed,
        # one that gets no receipt opens no transaction (every card booking's PaymentVerified)
        PaymentCaptured: Only(receipts.receipted_when_captured, on(receipts.on_payment_captured)),
        PaymentVerified: Only(receipts.receipted_when_verified, on(receipts.on_payment_verified)),
        CreditsPurchased: on(receipts.on_credits_purchased),
        PaymentRefunded: on(receipts.on_payment_refunded),
    }
