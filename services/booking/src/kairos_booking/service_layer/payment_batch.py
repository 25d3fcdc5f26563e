"""PaymentVerified, set-based: the batch handler.

The Dispatcher hands it a run of PaymentVerified records (inbox rows claimed, one
transaction). It decides, in a fixed number of statements whatever the run's length and
however many of its payments race for one slot, every one-time payment whose answer does
not need the slow path, exactly as ``payment_events.on_payment_verified`` would decide it
record after record in the run's order (``payment_events.verdict``, same bookings, same
decisions, same events):

* payments already decided (a payment verified again): nothing to do;
* the payer's hold still held: its seat becomes the booking;
* rejections that leave the hold alone (unknown hold, someone else's hold, offering or
  provider gone, hold already used, occurrence started);
* payments whose hold was released or expired and need a seat again (a last-seat storm):
  per occurrence, its ``slot_seats`` row is locked once and the seats still free go to the
  first of them in the run's order (one UPDATE for all occurrences); once it is full, the
  rest are rejected ``slot_full``, decided under that row lock (no hold past expiry whose
  seat could come back); a payer who already has a booking of that slot is refused
  ``slot_full`` as the per-record path refuses it.

Everything else is returned untouched; the Dispatcher hands it to ``on_payment_verified``
one by one after the commit, with every later record of the same key: subscription
cycles, hold-less payments, a payment or hold met twice in the run, rejections that end a
held hold (they give its seat back), and seats that need the slow path (an occurrence not
occupied yet, whose overlap with the provider's others must be checked under the
provider's lock; a full one with holds past expiry to end first). So that the seats of an
occurrence still go in the run's order, a payment needing a seat is also left when a
record before it that may change that occurrence (or offering) was left, or when its payer
met that slot earlier in the run.

Locks: holds in hold_id order, then seat rows in (offering, start) order; never the
provider's lock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kairos_booking.domain.model import Booking, Hold, HoldStatus, Offering, Provider
from kairos_booking.service_layer import outgoing
from kairos_booking.service_layer.payment_events import Verdict, booking_for, frees_a_seat, verdict
from kairos_booking.service_layer.ports import BookingUow
from kairos_contracts import Envelope, Event
from kairos_contracts.events.booking import RejectionReason
from kairos_contracts.events.payments import PaymentVerified

Slot = tuple[uuid.UUID, datetime]  # (offering, start)
_AGAIN = "payment again"


@dataclass
class _Item:
    event: PaymentVerified
    envelope: Envelope
    hold: Hold | None
    offering: Offering | None
    provider: Provider | None
    outcome: Verdict | RejectionReason
    booking: Booking | None = None

    @property
    def slot(self) -> Slot:
        assert self.hold is not None
        return (self.hold.offering_id, self.hold.starts_at)


async def on_payment_verified_batch(
    items: Sequence[tuple[PaymentVerified, Envelope]], uow: BookingUow
) -> set[uuid.UUID]:
    """Decide what can be decided set-based; the event ids of the others (left untouched)."""
    left: set[uuid.UUID] = set()
    # offerings (start None) and occurrences that records left before a point may change
    touched: set[tuple[uuid.UUID, datetime | None]] = set()
    order = _screen(items)
    candidates = [(event, envelope) for event, envelope, why in order if why is None]
    if not candidates:
        return {env.event_id for _, env, _ in order}

    decided = await uow.bookings.decided([e.payment_id for e, _ in candidates])
    hold_ids = [e.hold_id for e, _, _ in order if e.hold_id is not None]
    found = await uow.holds.get_many_locked(hold_ids)
    catalog = await uow.catalog.offerings_and_providers({e.offering_id for e, _ in candidates})
    now = uow.now()

    todo: list[_Item] = []
    seen_slots: set[tuple[uuid.UUID, datetime, uuid.UUID]] = set()  # (offering, start, payer)
    for event, envelope, why in order:
        hold = found.get(event.hold_id) if event.hold_id is not None else None
        if why is not None:
            left.add(envelope.event_id)
            if why != _AGAIN:
                _touch(touched, event, hold)
            continue
        if event.payment_id in decided:
            continue  # it already has its answer: nothing to do, as the per-record path
        offering, provider = catalog.get(event.offering_id, (None, None))
        outcome = verdict(event, hold, offering, provider, now)
        item = _Item(event, envelope, hold, offering, provider, outcome)
        if isinstance(outcome, RejectionReason) and frees_a_seat(event, hold):
            left.add(envelope.event_id)  # gives a held seat back: the per-record path
            _touch(touched, event, hold)
            continue
        if outcome is Verdict.NEEDS_SEAT:
            offering_id, starts_at = item.slot
            payer = (offering_id, starts_at, event.mentee_id)
            if (offering_id, None) in touched or item.slot in touched or payer in seen_slots:
                left.add(envelope.event_id)
                touched.add(item.slot)  # the seats of this slot go on in the run's order
                continue
        if hold is not None and isinstance(outcome, Verdict):  # may book that slot
            seen_slots.add((hold.offering_id, hold.starts_at, event.mentee_id))
        todo.append(item)
    if not todo:
        return left

    await _find_seats(uow, [i for i in todo if i.outcome is Verdict.NEEDS_SEAT], now, left)
    todo = [i for i in todo if i.envelope.event_id not in left]
    return await _settle(uow, todo, now, left)


def _screen(
    items: Sequence[tuple[PaymentVerified, Envelope]],
) -> list[tuple[PaymentVerified, Envelope, str | None]]:
    """Each record with why it is left before anything is read (None: a candidate;
    ``_AGAIN``: a payment met before in the run). A payment or hold met twice in one run
    depends on the earlier one's outcome, so it waits for the per-record path, as does a
    cycle or a hold-less payment."""
    payments: set[uuid.UUID] = set()
    holds: set[uuid.UUID] = set()
    order: list[tuple[PaymentVerified, Envelope, str | None]] = []
    for event, envelope in items:
        why: str | None = None
        if event.payment_id in payments:
            why = _AGAIN  # decided by its first record (in the batch, or left itself)
        elif event.hold_id is not None and event.hold_id in holds:
            why = "hold again"
        elif event.subscription_id is not None or event.hold_id is None:
            why = "not a one-time payment"
        payments.add(event.payment_id)
        if event.hold_id is not None:
            holds.add(event.hold_id)
        order.append((event, envelope, why))
    return order


def _touch(
    touched: set[tuple[uuid.UUID, datetime | None]], event: PaymentVerified, hold: Hold | None
) -> None:
    """A record left to the per-record path may change seats of its offering (or its
    hold's): later payments needing a seat there wait behind it."""
    touched.add((event.offering_id, None))
    if hold is not None:
        touched.add((hold.offering_id, None))


async def _find_seats(
    uow: BookingUow, needing: list[_Item], now: datetime, left: set[uuid.UUID]
) -> None:
    """Decide the payments needing a seat, per occurrence in the run's order: a seat
    (``CONFIRM``), ``SLOT_FULL``, or left (the ids added to ``left``)."""
    if not needing:
        return
    booked = await uow.bookings.booked_many(
        {(i.slot[0], i.slot[1], i.event.mentee_id) for i in needing}
    )
    by_slot: dict[Slot, list[_Item]] = defaultdict(list)
    for item in needing:
        if (item.slot[0], item.slot[1], item.event.mentee_id) in booked:
            item.outcome = RejectionReason.SLOT_FULL  # never two seats for one payer
        else:
            by_slot[item.slot].append(item)
    if not by_slot:
        return
    rows = await uow.seats.lock_many(sorted(by_slot), now)
    takes: list[tuple[uuid.UUID, datetime, int, int]] = []
    for slot, waiting in by_slot.items():
        offering = waiting[0].offering
        assert offering is not None
        capacity = offering.capacity
        row = rows.get(slot)
        if row is None or row[0] <= 0 or capacity <= 0:
            # not occupied yet: its first seat is the slow path (overlap check)
            left.update(i.envelope.event_id for i in waiting)
            continue
        taken, due = row
        free = max(0, capacity - taken)
        granted, rest = waiting[:free], waiting[free:]
        for item in granted:
            item.outcome = Verdict.CONFIRM
        if granted:
            takes.append((slot[0], slot[1], len(granted), capacity))
        for item in rest:
            if due:  # a hold past expiry may give its seat back: the per-record path
                left.add(item.envelope.event_id)
            else:  # full, decided under the row lock
                item.outcome = RejectionReason.SLOT_FULL
    if takes and await uow.seats.take_many(takes) != len(takes):
        # cannot happen under the row locks; if it did, the Dispatcher rolls back and the
        # per-record path decides each payment
        raise RuntimeError("a locked occurrence did not have the seats it showed")


async def _settle(
    uow: BookingUow, todo: list[_Item], now: datetime, left: set[uuid.UUID]
) -> set[uuid.UUID]:
    """Write the decisions of ``todo`` (each CONFIRM or a rejection) and their events."""
    if not todo:
        return left
    ends: list[tuple[uuid.UUID, uuid.UUID]] = []
    decisions: list[tuple[uuid.UUID, str, str | None, uuid.UUID | None]] = []
    new: list[Booking] = []
    for item in todo:
        event, hold = item.event, item.hold
        if item.outcome is Verdict.CONFIRM:
            assert hold is not None and item.offering is not None and item.provider is not None
            item.booking = booking_for(event, hold, item.offering, item.provider)
            if hold.status is HoldStatus.HELD:
                ends.append((hold.hold_id, event.payment_id))
            decisions.append((event.payment_id, "booked", None, item.booking.booking_id))
            new.append(item.booking)
        else:
            decisions.append((event.payment_id, "rejected", str(item.outcome), None))
    if ends and await uow.holds.end_many(HoldStatus.CONVERTED, now, ends) != len(ends):
        # cannot happen under the row locks (see _find_seats)
        raise RuntimeError("a locked held hold was not held any more")
    await uow.bookings.decide_many(decisions)
    await uow.bookings.add_verified(new)
    people = await uow.people.get_many({i.event.mentee_id for i in todo})
    events: list[Event] = []
    for item in todo:
        mentee = people[item.event.mentee_id]
        if item.booking is not None:
            assert item.offering is not None and item.provider is not None
            events.append(
                outgoing.booking_confirmed(item.booking, item.offering, item.provider, mentee)
            )
        else:
            assert isinstance(item.outcome, RejectionReason)
            events.append(
                outgoing.booking_rejected(
                    item.event, item.hold, item.offering, mentee, item.outcome, now
                )
            )
    uow.emit_many(events, causes=[i.envelope for i in todo])
    return left
