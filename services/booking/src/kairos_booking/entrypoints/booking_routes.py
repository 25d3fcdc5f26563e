"""Holds and bookings: mentees hold and pay; mentee, mentor or admin cancel and move."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from kairos_booking.domain.model import Person
from kairos_booking.entrypoints.deps import Settings, Uow
from kairos_booking.entrypoints.models import BookingDetailOut, BookingOut, HoldOut, ScheduleOut
from kairos_booking.entrypoints.schemas import CancelIn, HoldIn, LocalDate, RescheduleIn
from kairos_booking.service_layer import bookings, holds
from kairos_booking.service_layer.descriptions import Describer
from kairos_platform.auth import CurrentUser, MenteeOrAdmin, Principal
from kairos_platform.pagination import Page, PageQuery, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["bookings"])
#: a booking the caller does not act on, or that does not exist; one that changed already
_ON_BOOKING = (*AUTHENTICATED, 403, 404, 409)


def mentee_of(caller: Principal) -> Person:
    """Who is booking, with the name and e-mail the token carries (when it does)."""
    return Person(caller.user_id, *caller.contact())


def _by_start(item: HoldOut | BookingOut) -> tuple[datetime, uuid.UUID]:
    key = item.hold_id if isinstance(item, HoldOut) else item.booking_id
    return item.starts_at, key


@router.post(
    "/holds",
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        *AUTHENTICATED, 403, 404,
        s409="Full, or you hold or booked this slot already (`hold_id` names your hold).",
        s422="Not a slot of this offering, outside its window, or a programme.",
    ),
)  # fmt: skip
async def place_hold(body: HoldIn, caller: MenteeOrAdmin, uow: Uow, settings: Settings) -> HoldOut:
    """A seat kept for a few minutes while you pay, at the price booking decides."""
    made = await holds.place_hold(
        uow, mentee_of(caller), body.offering_id, body.starts_at, settings.hold_ttl
    )
    return HoldOut.of(made, await Describer(uow)(made.offering_id))


@router.get("/me/holds", responses=problems(*AUTHENTICATED, 403))
async def my_holds(caller: MenteeOrAdmin, uow: Uow, page: PageQuery) -> Page[HoldOut]:
    """Your holds still held and not run out, soonest slot first."""
    found = await holds.my_holds(uow, caller, page.limit + 1, page.key(AwareDatetime, uuid.UUID))
    describe = Describer(uow)
    out = [HoldOut.of(h, await describe(h.offering_id)) for h in found]
    return page_of(out, page.limit, _by_start)


@router.get("/holds/{hold_id}", responses=problems(*AUTHENTICATED, 403, 404))
async def get_hold(hold_id: uuid.UUID, caller: CurrentUser, uow: Uow) -> HoldOut:
    found = await holds.get_own_hold(uow, caller, hold_id)
    return HoldOut.of(found, await Describer(uow)(found.offering_id))


@router.delete(
    "/holds/{hold_id}",
    status_code=204,
    responses=problems(
        *AUTHENTICATED, 403, 404, s409="It ended already (booked, say).", s410="It ran out."
    ),
)
async def release_hold(hold_id: uuid.UUID, caller: CurrentUser, uow: Uow) -> None:
    """Give the seat back: it is never charged."""
    await holds.release_hold(uow, caller, hold_id)


@router.get(
    "/bookings/{booking_id}",
    responses=problems(
        *AUTHENTICATED, 403, 404,
        s403="Not its mentee, the mentor of its provider or an admin (`not-owner`).",
        s404="No such booking (`unknown-booking`).",
        s422="The id is not a UUID.",
    ),
)  # fmt: skip
async def get_booking(booking_id: uuid.UUID, caller: CurrentUser, uow: Uow) -> BookingDetailOut:
    """One booking, confirmed or cancelled: its slot, price, payment and hold, and who
    booked it. For the mentee who booked it, the mentor of its provider, or an admin."""
    found, booker = await bookings.booking_for(uow, caller, booking_id)
    return BookingDetailOut.of_read(found, await Describer(uow)(found.offering_id), booker)


@router.post("/bookings/{booking_id}/cancel", responses=problems(*_ON_BOOKING))
async def cancel(
    booking_id: uuid.UUID, body: CancelIn, caller: CurrentUser, uow: Uow
) -> BookingOut:
    """Cancelled, with the refund the policy gives (`refund_amount_minor`): payments makes
    it after this answer (`refund: "pending"`)."""
    done = await bookings.cancel_booking(uow, caller, booking_id, body.reason)
    return BookingOut.of(done, await Describer(uow)(done.offering_id), answering_cancel=True)


@router.post(
    "/bookings/{booking_id}/reschedule",
    responses=problems(*_ON_BOOKING, s422="Not a slot of the offering, or the same time."),
)
async def reschedule(
    booking_id: uuid.UUID, body: RescheduleIn, caller: CurrentUser, uow: Uow
) -> BookingOut:
    done = await bookings.reschedule_booking(uow, caller, booking_id, body.starts_at)
    return BookingOut.of(done, await Describer(uow)(done.offering_id))


@router.get("/me/bookings", responses=problems(*AUTHENTICATED, 403))
async def my_bookings(
    caller: MenteeOrAdmin,
    uow: Uow,
    page: PageQuery,
    when: Literal["upcoming", "past"] = "upcoming",
) -> Page[BookingOut]:
    """Your bookings (programme sessions included): upcoming soonest first, or past latest
    first."""
    found = await bookings.my_bookings(
        uow, caller, upcoming=when == "upcoming", limit=page.limit + 1,
        after=page.key(AwareDatetime, uuid.UUID),
    )  # fmt: skip
    describe = Describer(uow)
    out = [BookingOut.of(b, await describe(b.offering_id)) for b in found]
    return page_of(out, page.limit, _by_start)


@router.get("/providers/{provider_id}/schedule", responses=problems(*AUTHENTICATED, 403, 404))
async def schedule(
    provider_id: uuid.UUID,
    caller: CurrentUser,
    first: Annotated[LocalDate, Query(alias="from")],
    last: Annotated[LocalDate, Query(alias="to")],
    uow: Uow,
    page: PageQuery,
) -> ScheduleOut:
    """The provider's bookings in a range of their local dates, soonest first."""
    provider, found = await bookings.provider_schedule(
        uow, caller, provider_id, first, last, page.limit + 1,
        page.key(AwareDatetime, uuid.UUID),
    )  # fmt: skip
    describe = Describer(uow)
    out = page_of([BookingOut.of(b, await describe(b.offering_id)) for b in found], page.limit,
                  _by_start)  # fmt: skip
    return ScheduleOut(
        provider_id=provider.provider_id, time_zone=provider.time_zone, bookings=out.items,
        next_cursor=out.next_cursor, has_more=out.has_more,
    )  # fmt: skip
