"""Event handlers of the payments service (event -> effect, inside the unit of work).

Only the events ``kairos_contracts.catalog`` says payments consumes. Handlers that owe
Stripe a call get the gateway bound here.
"""

from __future__ import annotations

from typing import Any

from kairos_contracts import Envelope
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRejected,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    OfferingPublished,
)
from kairos_contracts.events.payments import PaymentCancelReason
from kairos_payments.domain.holds import HoldState
from kairos_payments.service_layer import bookings, holds, offerings
from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.service_layer.ports import PaymentsUow
from kairos_platform import ping


def event_handlers(gateway: StripeGateway) -> dict[Any, Any]:
    async def hold_expired(e: HoldExpired, env: Envelope, uow: PaymentsUow) -> None:
        await holds.hold_ended(e, uow, gateway, HoldState.EXPIRED, PaymentCancelReason.HOLD_EXPIRED)

    async def hold_released(e: HoldReleased, env: Envelope, uow: PaymentsUow) -> None:
        await holds.hold_ended(
            e, uow, gateway, HoldState.RELEASED, PaymentCancelReason.HOLD_RELEASED
        )

    async def confirmed(e: BookingConfirmed, env: Envelope, uow: PaymentsUow) -> None:
        await bookings.on_booking_confirmed(e, env, uow, gateway)

    async def rejected(e: BookingRejected, env: Envelope, uow: PaymentsUow) -> None:
        await bookings.on_booking_rejected(e, env, uow, gateway)

    async def cancelled(e: BookingCancelled, env: Envelope, uow: PaymentsUow) -> None:
        await bookings.on_booking_cancelled(e, env, uow, gateway)

    return {
        **ping.HANDLERS,
        HoldPlaced: holds.on_hold_placed,
        OfferingPublished: offerings.on_offering_published,
        HoldReleased: hold_released,
        HoldExpired: hold_expired,
        BookingConfirmed: confirmed,
        BookingRejected: rejected,
        BookingCancelled: cancelled,
    }
