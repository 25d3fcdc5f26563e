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

from kairos_booking.domain.model import Hold, HoldStatus, Occurrence, Offering, Person, Provider
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
    provider = PROVIDER if offering == OFFERING else IDLE_PROVIDER
    hold = Hold(
        _id(100 + n), offering, provider, mentee, SLOT, SLOT + timedelta(hours=1), 5000, "EUR",
        None, kw.pop("expires_at", NOW + timedelta(minutes=10)), **kw,
    )  # fmt: skip
    uow.holds.holds[hold.hold_id] = hold
    if hold.status is HoldStatus.HELD:  # its seat is taken
        occurrence = Occurrence(offering, provider, SLOT, hold.ends_at, SLOT, hold.ends_at)
        uow.seats.rows.setdefault((offering, SLOT), [occurrence, 0])[1] += 1
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
        _paid(2, _hold(uow, 2, m[2], status=HoldStatus.EXPIRED), m[2]),  # swept: needs a seat
        _paid(3, _hold(uow, 3, m[3]), m[4]),  # the hold is someone else's
        _paid(4, uuid.uuid4(), m[5]),  # unknown hold
        _paid(5, _hold(uow, 5, m[6], offering=IDLE_OFFERING), m[6], offering_id=IDLE_OFFERING),
        _paid(6, _hold(uow, 6, m[7]), m[7]),  # happy
    ]
    # the same payment again under another event id (in the run, and already decided)
    run.append(_paid(7, run[6].payload().hold_id, m[7], payment_id=run[6].payload().payment_id))  # type: ignore[attr-defined]
    uow.bookings.decisions[_id(299)] = "booked"
    run.append(_paid(8, _hold(uow, 8, m[8]), m[8], payment_id=_id(299)))
    # the same hold paid by a second payment
    run.append(_paid(9, run[0].payload().hold_id, m[0]))  # type: ignore[attr-defined]
    # a subscription cycle
    cycle = BillingCycle(number=1, starts_at=NOW, ends_at=NOW + timedelta(days=30))
    run.append(
        _paid(10, None, m[9], method="subscription", subscription_id=_id(400), cycle=cycle)
    )  # a one-time offering: rejected by the per-record path (offering_gone)
    return uow, run, {2, 3, 4, 5, 7, 9, 10}


async def _per_record(uow: FakeBookingUow, run: list[Envelope]) -> None:
    for envelope in run:
        await _one(uow, envelope)


async def _one(uow: FakeBookingUow, envelope: Envelope) -> None:
    uow.caused_by(envelope)
    try:
        await payment_events.on_payment_verified(envelope.payload(), envelope, uow)  # type: ignore[arg-type]
    except Exception:
        await uow.rollback()  # a failing record changes nothing (the fakes keep no undo log:
        return  # only the subscription cycle without an offering fails here, before writing)
    await uow.commit()


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
    left = await payment_batch.on_payment_verified_batch(
        [(e.payload(), e) for e in run],  # type: ignore[misc]
        batched,
    )
    await batched.commit()
    assert left == {run[i].event_id for i in must_leave}
    for envelope in run:
        if envelope.event_id in left:
            await _one(batched, envelope)

    expected, got = _state(one_by_one), _state(batched)
    # the batch commits before the records it left: the same events, in another order
    assert sorted(map(repr, got.pop("events"))) == sorted(map(repr, expected.pop("events")))
    assert got == expected
    confirmed = [e for e in batched.committed if e.type == "BookingConfirmed"]
    assert len(confirmed) == 4  # 0, 1, 6 by the batch; 2 (swept hold, free seat) one by one
    assert {e.causation_id for e in confirmed[:3]} == {run[0].event_id, run[1].event_id,
                                                        run[6].event_id}  # fmt: skip
    assert confirmed[0].data["mentee"] == {
        "user_id": str(_id(300)), "email": "m0@example.com", "display_name": "Mo",
    }  # fmt: skip


async def test_a_run_with_nothing_for_the_fast_path_changes_nothing() -> None:
    uow, run, _ = await _scenario()
    only_left = [run[i] for i in (2, 3, 4, 5, 10)]  # (7 and 9 alone would be the fast path)
    before = _state(uow)

    left = await payment_batch.on_payment_verified_batch(
        [(e.payload(), e) for e in only_left],  # type: ignore[misc]
        uow,
    )

    assert left == {e.event_id for e in only_left}
    await uow.commit()
    assert _state(uow) == before
