"""A person's statement: every payment, what was taken from the card and given back."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import AwareDatetime

from kairos_payments.entrypoints.deps import Owner, Uow, caller
from kairos_payments.entrypoints.schemas import (
    BookingPaymentOut,
    BookingPaymentsOut,
    StatementLineOut,
)
from kairos_payments.service_layer.booking_payments import payments_of_booking
from kairos_platform.auth import CurrentUser
from kairos_platform.pagination import Page, PageQuery, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["statement"])


@router.get("/me/payments", responses=problems(*AUTHENTICATED, 403, s403="Someone else's."))
async def my_payments(owner: Owner, page: PageQuery, uow: Uow) -> Page[StatementLineOut]:
    """Every payment of the user, newest first: checkouts, subscription cycles and
    credit packs, with the money taken from the card and given back to it."""
    lines = await uow.statements.lines(
        owner, page.limit + 1, before=page.key(AwareDatetime, uuid.UUID)
    )
    return page_of(lines, page.limit, lambda x: [x.created_at, x.payment_id], StatementLineOut.of)


@router.get(
    "/bookings/{booking_id}/payments",
    responses=problems(
        *AUTHENTICATED,
        403,
        404,
        s403="Paid by someone else (`not-owner`): the payer or an admin only.",
        s404="No payment of this booking is known here (`unknown-booking-payment`): no "
        "such booking, or its confirmation has not reached payments yet.",
        s422="The id is not a UUID.",
    ),
)
async def booking_payments(
    booking_id: uuid.UUID, user: CurrentUser, uow: Uow
) -> BookingPaymentsOut:
    """What paid a booking: its checkout (card or credits; amount, status), or the cycle
    that paid a programme session, with the refunds made for it. For the payer or an
    admin."""
    found = await payments_of_booking(uow, booking_id, caller(user))
    return BookingPaymentsOut(
        booking_id=booking_id, payments=[BookingPaymentOut.of_booking(p) for p in found]
    )
