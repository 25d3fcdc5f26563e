"""PaymentVerified, set-based: the batch handler for the common case.

The Dispatcher hands it a run of PaymentVerified records (inbox rows claimed, one
transaction). It settles, in a fixed number of statements whatever the run's length:

* payments already decided (a payment verified again): nothing to do, as
  ``on_payment_verified`` does nothing for them;
* one-time payments whose hold is held by the payer for that offering, offering and
  provider active (``payment_events.holds_seat_for``): the hold's seat becomes the booking,
  exactly as ``payment_events._confirm`` does it (same booking, same decision, same
  BookingConfirmed, built by the same functions), the insert guard satisfied per row.

Everything else (subscription cycles, rejections, released or expired holds that need a
seat, a payment or hold met twice in the run) is returned untouched: the Dispatcher hands
it to ``on_payment_verified`` one by one after the commit, with every later record of the
same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from kairos_booking.domain.model import HoldStatus
from kairos_booking.service_layer.payment_events import (
    booking_confirmed,
    booking_for,
    holds_seat_for,
)
from kairos_booking.service_layer.ports import BookingUow
from kairos_contracts import Envelope
from kairos_contracts.events.payments import PaymentVerified


async def on_payment_verified_batch(
    items: Sequence[tuple[PaymentVerified, Envelope]], uow: BookingUow
) -> set[uuid.UUID]:
    """Settle the common case of ``items``; the event ids of the others (left untouched)."""
    left: set[uuid.UUID] = set()
    candidates: list[tuple[PaymentVerified, Envelope]] = []
    payments: set[uuid.UUID] = set()
    holds: set[uuid.UUID] = set()
    for event, envelope in items:
        # A payment or hold met twice in one run: the later one depends on the earlier's
        # outcome, so it waits for the per-record path (as does a cycle or a hold-less one).
        again = event.payment_id in payments or event.hold_id in holds
        payments.add(event.payment_id)
        if event.hold_id is not None:
            holds.add(event.hold_id)
        if again or event.subscription_id is not None or event.hold_id is None:
            left.add(envelope.event_id)
        else:
            candidates.append((event, envelope))
    if not candidates:
        return left

    decided = await uow.bookings.decided([e.payment_id for e, _ in candidates])
    todo = [(e, env) for e, env in candidates if e.payment_id not in decided]
    if not todo:
        return left
    found = await uow.holds.get_many_locked([e.hold_id for e, _ in todo if e.hold_id])
    catalog = await uow.catalog.offerings_and_providers({e.offering_id for e, _ in todo})
    confirm = []
    for event, envelope in todo:
        hold = found.get(event.hold_id) if event.hold_id else None
        offering, provider = catalog.get(event.offering_id, (None, None))
        if hold is not None and offering is not None and provider is not None:
            if holds_seat_for(event, hold, offering, provider):
                confirm.append((event, envelope, booking_for(event, hold, offering, provider)))
                continue
        left.add(envelope.event_id)
    if not confirm:
        return left

    now = uow.now()
    ends = [(b.hold_id, b.payment_id) for _, _, b in confirm if b.hold_id is not None]
    if await uow.holds.end_many(HoldStatus.CONVERTED, now, ends) != len(confirm):
        # cannot happen under the row locks; if it did, the Dispatcher rolls back and the
        # per-record path decides each payment
        raise RuntimeError("a locked held hold was not held any more")
    await uow.bookings.decide_booked([(b.payment_id, b.booking_id) for _, _, b in confirm])
    await uow.bookings.add_verified([b for _, _, b in confirm])
    mentees = await uow.people.get_many({b.mentee_id for _, _, b in confirm})
    for event, envelope, booking in confirm:
        offering, provider = catalog[event.offering_id]
        assert provider is not None  # holds_seat_for checked it
        uow.caused_by(envelope)
        uow.emit(booking_confirmed(event, booking, offering, provider, mentees[booking.mentee_id]))
    return left
