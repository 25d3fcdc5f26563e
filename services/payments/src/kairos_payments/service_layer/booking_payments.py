"""A booking's payments, for the person who paid them or an admin."""

from __future__ import annotations

import uuid
from typing import Protocol

from kairos_payments.domain.statement import BookingPayment
from kairos_payments.service_layer.checkout import Caller
from kairos_platform.refusals import Forbidden, NotFound


class BookingPayments(Protocol):
    async def of_booking(self, booking_id: uuid.UUID) -> list[BookingPayment]: ...


class HasBookingPayments(Protocol):
    @property
    def statements(self) -> BookingPayments: ...


async def payments_of_booking(
    uow: HasBookingPayments, booking_id: uuid.UUID, caller: Caller
) -> list[BookingPayment]:
    """What paid the booking and what was given back for it. 404 while payments knows no
    payment of it (no such booking, or its confirmation not heard here yet); 403 for
    anyone but the payer or an admin."""
    found = await uow.statements.of_booking(booking_id)
    if not found:
        raise NotFound(
            f"No payment of booking {booking_id} is known here: no such booking, or its "
            "confirmation has not reached payments yet.",
            slug="unknown-booking-payment",
        )
    if not caller.is_admin and any(p.payer_id != caller.user_id for p in found):
        raise Forbidden("This booking was paid by someone else.", slug="not-owner")
    return found
