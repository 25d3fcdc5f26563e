"""The PaymentVerified batch handler against the per-record one, with in-memory fakes.

The same world twice: once every payment through ``on_payment_verified`` in order; once the
run through ``on_payment_verified_batch`` and what it leaves through ``on_payment_verified``
in order (what the Dispatcher does). Decisions, holds, bookings and events must agree.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from kairos_booking.domain.model import (
    Booking,
    Hold,
    HoldStatus,
    Occurrence,
    Offering,
    Person,
    Provider,
)
from kairos_booking.service_layer import payment_batch, payment_events
from kairos_contracts import Envelope
from kairos_contracts.events.payments import PaymentVerified
from kairos_contracts.types import BillingCycle

from .fakes import FakeBookingUow

NOW = datetime(2030, 1, 1, 8, tzinfo=UTC)
SLOT = datetime(2030, 1, 3, 10, tzinfo=UTC)


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


PROVIDER, OFFERING, IDLE_PROVIDER, IDLE_OFFERING = _id(1), _id(2), _id(3), _id(4)


async def _world() -> FakeBookingUow:
    uow = FakeBookingUow(NOW)
    await uow.catalog.add_provider(Provider(PROVIDER, _id(11), "Ada", "ada@example.com", "UTC"))
    await uow.catalog.add_provider(Provider(IDLE_PROVIDER, _id(12), "Bo", None, "UTC", False))
    for offering_id, provider_id in ((OFFERING, PROVIDER), (IDLE_OFFERING, IDLE_PROVIDER)):
        await uow.catalog.add_offering(
            Offering(offering_id, provider_id, "Mentoring", 60, 5000, "EUR", 10)
        )
    return uow


def _hold(uow: FakeBookingUow, n: int, mentee: uuid.UUID, **kw: Any) -> uuid.UUID:
    offering = kw.pop("offering", OFFERING)
    at = kw.pop("at", SLOT)
    provider = PROVIDER if offering == OFFERING else IDLE_PROVIDER
    hold = Hold(
        _id(100 + n), offering, provider, mentee, at, at + timedelta(hours=1), 5000, "EUR",
        None, kw.pop("expires_at", NOW + timedelta(minutes=10)), **kw,
    )  # fmt: skip
    uow.holds.holds[hold.hold_id] = hold
    occurrence = Occurrence(offering, provider, at, hold.ends_at, at, hold.ends_at)
    row = uow.seats.rows.setdefault((offering, at), [occurrence, 0])
    if hold.status is HoldStatus.HELD:  # its seat is taken
        row[1] += 1
    return hold.hold_id


def _paid(n: int, hold_id: uuid.UUID | None, mentee: uuid.UUID, **kw: Any) -> Envelope:
    event = PaymentVerified(
        payment_id=kw.pop("payment_id", _id(200 + n)), method=kw.pop("method", "card"),
        mentee_id=mentee, offering_id=kw.pop("offering_id", OFFERING), amount_minor=5000,
        currency="EUR", hold_id=hold_id, verified_at=NOW, **kw,
    )  # fmt: skip
    return Envelope.wrap(event, source="payments")


async def _scenario() -> tuple[FakeBookingUow, list[Envelope], set[int]]:
    """A world and a run of payments; the positions the batch handler must leave."""
    uow = await _world()
    m = [_id(300 + i) for i in range(12)]
    uow.people.people[m[0]] = Person(m[0], "m0@example.com", "Mo")
    run = [
        _paid(0, _hold(uow, 0, m[0]), m[0]),  # happy
        _paid(1, _hold(uow, 1, m[1], expires_at=NOW - timedelta(minutes=1)), m[1]),  # held,
        # just past expiry: still the payer's seat (as the per-record handler decides)
        _paid(2, _hold(uow, 2, m[2], status=HoldStatus.EXPIRED), m[2]),  # swept: needs a
        # seat, and the slot is occupied with seats free: taken set-based
        _paid(3, _hold(uow, 3, m[3]), m[4]),  # the hold is someone else's: rejected
        _paid(4, uuid.uuid4(), m[5]),  # unknown hold: rejected
        # provider inactive: rejected, and the payer's held hold gives its seat back (left)
        _paid(5, _hold(uow, 5, m[6], offering=IDLE_OFFERING), m[6], offering_id=IDLE_OFFERING),
        _paid(6, _hold(uow, 6, m[7]), m[7]),  # happy
    ]
    # the same payment again under another event id (in the run, and already decided)
    sixth = run[6].payload_as(PaymentVerified)
    run.append(_paid(7, sixth.hold_id, m[7], payment_id=sixth.payment_id))
    uow.bookings.decisions[_id(299)] = "booked"
    run.append(_paid(8, _hold(uow, 8, m[8]), m[8], payment_id=_id(299)))
    # the same hold paid by a second payment
    run.append(_paid(9, run[0].payload_as(PaymentVerified).hold_id, m[0]))
    # a subscription cycle
    cycle = BillingCycle(number=1, starts_at=NOW, ends_at=NOW + timedelta(days=30))
    run.append(
        _paid(10, None, m[9], method="subscription", subscription_id=_id(400), cycle=cycle)
    )  # a one-time offering: rejected by the per-record path (offering_gone)
    return uow, run, {5, 7, 9, 10}


async def _per_record(uow: FakeBookingUow, run: list[Envelope]) -> None:
    for envelope in run:
        await _one(uow, envelope)


async def _one(uow: FakeBookingUow, envelope: Envelope) -> None:
    uow.caused_by(envelope)
    try:
        await payment_events.on_payment_verified(
            envelope.payload_as(PaymentVerified), envelope, uow
        )
    except Exception:
        await uow.rollback()  # a failing record changes nothing (the fakes keep no undo log:
        return  # only the subscription cycle without an offering fails here, before writing)
    await uow.commit()


async def _as_the_dispatcher(uow: FakeBookingUow, run: list[Envelope]) -> set[Any]:
    """The batch handler over the run and its commit, then each record it left one by one
    (as Dispatcher.handle_batch does); returns the ids it left."""
    left = await payment_batch.on_payment_verified_batch(
        [(e.payload_as(PaymentVerified), e) for e in run],
        uow,
    )
    await uow.commit()
    for envelope in run:
        if envelope.event_id in left:
            await _one(uow, envelope)
    return left


def _state(uow: FakeBookingUow) -> dict[str, Any]:
    def booking(b: Any) -> dict[str, Any]:
        return {k: v for k, v in asdict(b).items() if k != "booking_id"}

    def event(e: Envelope) -> dict[str, Any]:
        data = {k: v for k, v in e.data.items() if k not in ("booking_id", "rejected_at")}
        # a booking's events are keyed by its (random) id
        key = "booking_id" if e.key == e.data.get("booking_id", "").encode() else e.key
        return {"type": e.type, "key": key, "topic": e.topic, "cause": e.causation_id,
                "correlation": e.correlation_id, "source": e.source, "data": data}  # fmt: skip

    return {
        "decisions": dict(uow.bookings.decisions),
        "holds": {i: (h.status, h.payment_id, h.ended_at) for i, h in uow.holds.holds.items()},
        "bookings": sorted((booking(b) for b in uow.bookings.bookings.values()), key=str),
        "events": [event(e) for e in uow.committed],
        "seats": dict(uow.seats.rows),
    }


async def test_the_batch_settles_the_common_case_and_ends_where_the_per_record_path_does() -> None:
    one_by_one, run, must_leave = await _scenario()
    await _per_record(one_by_one, run)

    batched, run_again, _ = await _scenario()
    assert [e.event_id for e in run_again] != [e.event_id for e in run]
    batched.caused_by(run[0])
    left = await _as_the_dispatcher(batched, run)
    assert left == {run[i].event_id for i in must_leave}

    expected, got = _state(one_by_one), _state(batched)
    # the batch commits before the records it left: the same events, in another order
    assert sorted(map(repr, got.pop("events"))) == sorted(map(repr, expected.pop("events")))
    assert got == expected
    confirmed = [e for e in batched.committed if e.type == "BookingConfirmed"]
    assert len(confirmed) == 4  # 0, 1, 2 (swept hold, a free seat taken), 6: by the batch
    # every event is caused by its own record (correlation and causation)
    first = {}
    for envelope in reversed(run):
        first[envelope.data["payment_id"]] = envelope
    decided = [e for e in batched.committed if e.type in ("BookingConfirmed", "BookingRejected")]
    assert len(decided) == 9
    # 0, 1, 2, 6 confirmed and 3, 4 rejected by the batch; 5, 9, 10 rejected per record
    for e in decided:
        cause = first[e.data["payment_id"]]
        assert (e.causation_id, e.correlation_id) == (cause.event_id, cause.correlation_id)
    assert confirmed[0].data["mentee"] == {
        "user_id": str(_id(300)), "email": "m0@example.com", "display_name": "Mo",
    }  # fmt: skip


async def test_a_run_with_nothing_for_the_fast_path_changes_nothing() -> None:
    uow, run, _ = await _scenario()
    only_left = [run[i] for i in (5, 10)]  # (7 and 9 alone would be the fast path)
    before = _state(uow)

    left = await payment_batch.on_payment_verified_batch(
        [(e.payload_as(PaymentVerified), e) for e in only_left],
        uow,
    )

    assert left == {e.event_id for e in only_left}
    await uow.commit()
    assert _state(uow) == before


SLOT2, SLOT3 = SLOT + timedelta(hours=2), SLOT + timedelta(hours=4)


async def _storm() -> tuple[FakeBookingUow, list[Envelope]]:
    """Capacity 3. SLOT: one live hold (1 taken), then eight payers whose holds were
    expired, one of them already booked there, and a duplicate payment. SLOT2: not
    occupied (an expired hold only). SLOT3: full, one of its holds past expiry."""
    uow = await _world()
    offering = uow.catalog.offerings[OFFERING]
    offering.capacity = 3
    m = [_id(500 + i) for i in range(20)]
    run = [_paid(0, _hold(uow, 0, m[0]), m[0])]  # live: its own seat
    for i in range(1, 9):
        run.append(_paid(i, _hold(uow, i, m[i], status=HoldStatus.EXPIRED), m[i]))
    run.append(_paid(9, run[3].payload_as(PaymentVerified).hold_id, m[3], payment_id=_id(203)))
    # m[4] was booked in SLOT by an earlier payment: no second seat
    booked = Booking(_id(600), OFFERING, PROVIDER, m[4], SLOT, SLOT + timedelta(hours=1),
                     _id(601), "card", 5000, "EUR", hold_id=_id(602))  # fmt: skip
    uow.bookings.bookings[booked.booking_id] = booked
    uow.seats.rows[(OFFERING, SLOT)][1] += 1
    # SLOT2: nobody's seat yet (its first one needs the overlap check)
    run.append(_paid(10, _hold(uow, 10, m[10], status=HoldStatus.EXPIRED, at=SLOT2), m[10]))
    # SLOT3: three seats taken, one by a hold past expiry; two expired payers
    for i in (11, 12, 13):
        past = NOW - timedelta(minutes=1) if i == 11 else NOW + timedelta(minutes=5)
        _hold(uow, i, m[i], at=SLOT3, expires_at=past)
    for i in (14, 15):
        run.append(_paid(i, _hold(uow, i, m[i], status=HoldStatus.EXPIRED, at=SLOT3), m[i]))
    return uow, run


async def test_a_storm_for_one_slot_is_decided_set_based_in_the_run_order() -> None:
    one_by_one, run = await _storm()
    await _per_record(one_by_one, run)
    batched, _ = await _storm()

    left = await _as_the_dispatcher(batched, run)
    # left: the payment met again (9), SLOT2's first seat (10), SLOT3's holds to expire
    assert left == {run[i].event_id for i in (9, 10, 11, 12)}

    expected, got = _state(one_by_one), _state(batched)
    assert sorted(map(repr, got.pop("events"))) == sorted(map(repr, expected.pop("events")))
    assert got == expected
    # SLOT (m[4]'s booking and the live hold: one seat free): the live hold and the first
    # expired payer (1) booked; the others refused, m[4] for being booked there already
    assert {p: o for p, o in got["decisions"].items() if p in {_id(200 + i) for i in range(9)}} == {
        _id(200): "booked", _id(201): "booked", _id(202): "rejected", _id(203): "rejected",
        _id(204): "rejected", _id(205): "rejected", _id(206): "rejected", _id(207): "rejected",
        _id(208): "rejected",
    }  # fmt: skip
    assert batched.seats.taken(OFFERING, SLOT) == 3
    reasons = {e.data["payment_id"]: e.data["reason"] for e in batched.committed
               if e.type == "BookingRejected"}  # fmt: skip
    assert reasons[str(_id(204))] == reasons[str(_id(208))] == "slot_full"
