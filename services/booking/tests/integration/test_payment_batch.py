"""PaymentVerified through the batch path (the consumer process's: Dispatcher.handle_batch
with booking's batch handler) against the per-record path, on real PostgreSQL.

The same scenario is built in two databases (same mentee and payment ids; holds, bookings
and event ids differ and are compared by role): one run through the batch path, one record
by record. Decisions, holds, seats, bookings and the outbox must agree.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from kairos_booking.entrypoints.jobs import expire_until_done
from kairos_booking.service_layer import payment_batch
from kairos_contracts import Envelope
from kairos_contracts.events.payments import PaymentVerified
from kairos_contracts.topics import PAYMENTS_PAYMENTS, dlq_topic
from kairos_platform.messaging.consumer import Outcome

from .booking_helpers import (
    dispatcher,
    expired_holds,
    first_slot,
    hold,
    next_weekday,
    provider_with_offering,
    record,
    verified,
)

pytestmark = pytest.mark.integration


def _m(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_DNS, f"mentee-{name}.example")


def _p(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_DNS, f"payment-{name}.example")


class Scenario:
    """One database's copy: the run of envelopes and what its own ids stand for."""

    def __init__(self, api: Any) -> None:
        self.api = api
        self.run: list[Envelope] = []
        self.roles: dict[str, str] = {}

    async def build(self, *, poison: bool = False) -> Scenario:
        api = self.api
        provider_id, offering_id = await provider_with_offering(api, capacity=3)
        self.roles |= {provider_id: "provider", offering_id: "offering"}
        day = next_weekday(1)
        got = await api.client.get(
            f"/offerings/{offering_id}/slots", params={"from": str(day), "to": str(day)}
        )
        s1, s2 = (s["starts_at"] for s in got.json()["slots"][:2])
        assert s1 == await first_slot(api, offering_id, day)
        holds = {}
        for name, slot in [("a", s1), ("b", s2), ("c", s1), ("e", s1), ("f", s2), ("g", s2)]:
            made = await hold(api, _m(name), offering_id, slot)
            assert made.status_code == 201, made.text
            holds[name] = made.json()["hold_id"]
            self.roles[holds[name]] = f"hold-{name}"
        # e's hold is swept by the expiry job: its payment needs a seat again (one is free)
        await api.rows(
            "UPDATE holds SET expires_at = now() - interval '1 second' "
            "WHERE hold_id = :h RETURNING 1",
            h=holds["e"],
        )
        assert await expire_until_done(api.service, 100) == 1

        def pay(name: str, hold_of: str, **kw: Any) -> Envelope:
            kw.setdefault("payment_id", _p(name))
            envelope: Envelope = verified(holds[hold_of], _m(name), offering_id, **kw)
            self.roles[str(envelope.event_id)] = f"event-{len(self.run)}"
            self.run.append(envelope)
            return envelope

        if poison:  # the bookings row cannot hold this amount (integer): fails every time
            pay("a", "a")
            pay("f", "f", amount_minor=3_000_000_000)
            pay("g", "g")
            return self
        pay("a", "a")  # happy
        pay("b", "b")  # happy
        pay("d", "c")  # c's hold, paid by d: hold_unknown
        pay("e", "e")  # a swept hold: per record, takes the free seat
        self.run.append(self.run[0])  # the same event again in the batch
        pay("e2", "e", payment_id=_p("e"))  # e's payment again, new event id: after e
        pay("b2", "b", payment_id=_p("b"))  # b's payment again: nothing more
        return self

    def records(self) -> list[Any]:
        return [record(e, i) for i, e in enumerate(self.run)]

    async def state(self) -> dict[str, Any]:
        api = self.api
        rows = await api.rows(
            "SELECT b.payment_id, b.mentee_id, h.mentee_id, b.starts_at, b.ends_at, b.status, "
            "b.sequence, b.payment_method, b.amount_minor, b.currency, b.local_date, "
            "b.subscription_id FROM bookings b JOIN holds h USING (hold_id) ORDER BY 1"
        )
        events = await api.rows(
            "SELECT event_type, topic, key, payload, headers FROM outbox "
            # (dead letters carry the raw record and error: asserted on their own)
            "WHERE event_type NOT IN ('HoldPlaced', 'HoldExpired', 'OfferingPublished', "
            "'DeadLetter')"
        )
        bookings = {
            str(b): f"booking-{p}"
            for b, p in await api.rows("SELECT booking_id, payment_id FROM bookings")
        }
        names = self.roles | bookings

        def norm(value: Any) -> Any:
            if isinstance(value, dict):
                return {
                    k: norm(v)
                    for k, v in value.items()
                    if k not in ("rejected_at", "occurred_at", "event_id")
                }
            if isinstance(value, list):
                return [norm(v) for v in value]
            return names.get(value, value) if isinstance(value, str) else value

        return {
            "decisions": await api.rows(
                "SELECT payment_id, outcome, reason, booking_id IS NOT NULL "
                "FROM payment_decisions ORDER BY 1"
            ),
            "holds": await api.rows(
                "SELECT mentee_id, starts_at, status, payment_id, ended_at IS NULL "
                "FROM holds ORDER BY 1"
            ),
            "seats": await api.rows("SELECT starts_at, taken FROM slot_seats ORDER BY 1"),
            "bookings": [tuple(r) for r in rows],
            # the batch commits before the records it left: compare as a multiset
            "events": sorted(repr(norm([t, topic, key, p, h])) for t, topic, key, p, h in events),
            "inbox": await api.rows(
                "SELECT event_type, outcome, count(*) FROM inbox GROUP BY 1, 2 ORDER BY 1, 2"
            ),
        }


def _counting(calls: list[tuple[int, int]], fail: bool = False) -> Any:
    """Booking's batch handler, counting (given, left); ``fail`` raises after it wrote."""

    async def handler(items: Sequence[Any], uow: Any) -> set[uuid.UUID]:
        left = await payment_batch.on_payment_verified_batch(items, uow)
        calls.append((len(items), len(left)))
        if fail:
            raise RuntimeError("the batch breaks after writing")
        return left

    return {PaymentVerified: handler}


async def _one_by_one(s: Scenario) -> list[Outcome]:
    d = dispatcher(s.api)
    return [await d.handle(r) for r in s.records()]


async def test_the_batch_path_ends_where_the_per_record_path_does(
    api: Any, second_api: Any
) -> None:
    batched, single = await Scenario(api).build(), await Scenario(second_api).build()
    order: list[tuple[str, Outcome]] = []
    calls: list[tuple[int, int]] = []
    d = dispatcher(  # on_outcome: per record, as the metrics see it
        api, batch_handlers=_counting(calls), on_outcome=lambda t, o, _s: order.append((t, o))
    )

    outcomes = await d.handle_batch(batched.records())
    expected = await _one_by_one(single)

    assert outcomes == expected
    assert outcomes.count(Outcome.DUPLICATE) == 1 and len(order) == len(outcomes)
    # one batch call: 7 records, one a duplicate; a and b booked, d rejected (hold_unknown)
    # and e given the seat its swept hold had freed, set-based; e2 and b2 (payments met
    # again) left to the per-record path
    assert calls == [(6, 2)]
    assert await batched.state() == await single.state()
    state = await batched.state()
    assert sorted((r[1], r[2]) for r in state["decisions"]) == [
        ("booked", None), ("booked", None), ("booked", None), ("rejected", "hold_unknown"),
    ]  # fmt: skip
    assert len(state["bookings"]) == 3
    assert {r[0] for r in state["bookings"]} == {_p("a"), _p("b"), _p("e")}

    # redelivered (a consumer killed before its offsets were committed): nothing changes
    again = await d.handle_batch(batched.records())
    assert again == [Outcome.DUPLICATE] * len(again)
    assert calls == [(6, 2)]
    assert await batched.state() == state


async def test_a_failure_inside_the_batch_falls_back_and_ends_exactly_once(
    api: Any, second_api: Any
) -> None:
    batched, single = await Scenario(api).build(), await Scenario(second_api).build()
    calls: list[tuple[int, int]] = []
    d = dispatcher(api, batch_handlers=_counting(calls, fail=True))

    outcomes = await d.handle_batch(batched.records())

    assert calls == [(6, 2)]  # it ran, wrote, and was rolled back
    assert outcomes == await _one_by_one(single)
    assert await batched.state() == await single.state()
    confirmed = await api.rows("SELECT count(*) FROM outbox WHERE event_type = 'BookingConfirmed'")
    assert confirmed[0][0] == 3  # a, b, e: once each


async def test_poison_is_retried_and_dead_lettered_as_by_the_per_record_path(
    api: Any, second_api: Any
) -> None:
    batched, single = (
        await Scenario(api).build(poison=True),
        await Scenario(second_api).build(poison=True),
    )
    calls: list[tuple[int, int]] = []
    d = dispatcher(api, batch_handlers=_counting(calls))

    outcomes = await d.handle_batch(batched.records())

    assert outcomes == [Outcome.HANDLED, Outcome.DEAD_LETTERED, Outcome.HANDLED]
    assert outcomes == await _one_by_one(single)
    assert calls == []  # the batch failed inside the handler (the insert), before returning
    assert await batched.state() == await single.state()
    dead = await api.rows(
        "SELECT payload FROM outbox WHERE topic = :t", t=dlq_topic(PAYMENTS_PAYMENTS)
    )
    assert len(dead) == 1
    assert dead[0][0]["attempts"] == 3  # max_attempts, as before
    assert dead[0][0]["event_id"] == str(batched.run[1].event_id)
    assert await api.rows(
        "SELECT outcome FROM inbox WHERE event_id = :e", e=batched.run[1].event_id
    ) == [("dead_lettered",)]
    held = await api.rows("SELECT status FROM holds WHERE mentee_id = :m", m=_m("f"))
    assert held == [("held",)]  # nothing of the poison's batch attempt remains


async def test_the_consumer_process_uses_the_batch_path() -> None:
    from kairos_booking.bootstrap import bootstrap
    from kairos_platform.runtime import build_dispatcher

    service = bootstrap()
    assert service.batch_handlers == {PaymentVerified: payment_batch.on_payment_verified_batch}
    d = build_dispatcher(service)
    assert d._batch_handlers[(PaymentVerified.TYPE, PaymentVerified.VERSION)][1] is (
        payment_batch.on_payment_verified_batch
    )
    await service.engine.dispose()


async def _storm(api: Any, capacity: int, live: int, late: int, unknown: int) -> Any:
    """One slot of ``capacity`` with ``live`` held holds; the payments of those, of ``late``
    payers whose holds were expired and of ``unknown`` payers naming no hold we know, in
    a shuffled order (seeded); returns (offering id, start, envelopes)."""
    import random

    _, offering_id = await provider_with_offering(api, capacity=capacity)
    starts_at = await first_slot(api, offering_id, next_weekday(2))
    payers = []
    for _ in range(live):
        mentee = uuid.uuid4()
        made = await hold(api, mentee, offering_id, starts_at)
        assert made.status_code == 201, made.text
        payers.append((made.json()["hold_id"], mentee))
    expired = await expired_holds(api, offering_id, starts_at, late)
    payers += [(str(h.hold_id), h.mentee_id) for h in expired]
    payers += [(str(uuid.uuid4()), uuid.uuid4()) for _ in range(unknown)]
    random.Random(3).shuffle(payers)
    envelopes = [verified(h, m, offering_id) for h, m in payers]
    return offering_id, starts_at, envelopes


async def _decisions_and_events(api: Any, envelopes: Sequence[Envelope]) -> dict[str, Any]:
    paid = {str(e.data["payment_id"]) for e in envelopes}
    decisions = {
        str(p): (o, r)
        for p, o, r in await api.rows("SELECT payment_id, outcome, reason FROM payment_decisions")
    }
    events = await api.rows(
        "SELECT event_type, payload FROM outbox "
        "WHERE event_type IN ('BookingConfirmed', 'BookingRejected') ORDER BY id"
    )
    per_payment: dict[str, list[Any]] = {}
    for event_type, payload in events:
        per_payment.setdefault(payload["data"]["payment_id"], []).append((event_type, payload))
    assert set(decisions) == paid and set(per_payment) == paid
    assert all(len(v) == 1 for v in per_payment.values())  # one event per payment
    return {p: (decisions[p], per_payment[p][0]) for p in paid}


async def test_a_storm_for_one_slot_with_duplicates_books_exactly_its_capacity(api: Any) -> None:
    offering_id, _, envelopes = await _storm(api, capacity=5, live=2, late=60, unknown=6)
    # redeliveries: the same records again, and payments re-verified under new event ids
    again = [
        verified(e.data["hold_id"], uuid.UUID(e.data["mentee_id"]), offering_id,
                 payment_id=uuid.UUID(e.data["payment_id"]))
        for e in envelopes[::7]
    ]  # fmt: skip
    run = envelopes[:40] + envelopes[:10] + again + envelopes[40:] + envelopes[5:15]
    calls: list[tuple[int, int]] = []
    d = dispatcher(api, batch_handlers=_counting(calls))
    records = [record(e, i) for i, e in enumerate(run)]

    outcomes = []
    for i in range(0, len(records), 25):  # fetched batches of 25, as the consumer gets them
        outcomes += await d.handle_batch(records[i : i + 25])

    assert Counter(map(str, outcomes)) == {
        "handled": len(envelopes) + len(again), "duplicate": 20,
    }  # fmt: skip
    # set-based: only the payments met again in one batch went one by one
    assert sum(n for _, n in calls) <= len(again)
    got = await _decisions_and_events(api, envelopes)
    booked = [p for p, ((o, _), _) in got.items() if o == "booked"]
    assert len(booked) == 5
    assert await api.count("bookings") == 5
    seats = await api.rows("SELECT taken FROM slot_seats WHERE offering_id = :o", o=offering_id)
    assert seats == [(5,)]
    # the two live holds and the first three late payers in the run's order
    held = {h for (h,) in await api.rows("SELECT hold_id FROM holds WHERE status = 'converted'")}
    late_ids = {h for (h,) in await api.rows("SELECT hold_id FROM holds WHERE status = 'expired'")}
    first_late = [e for e in envelopes if uuid.UUID(e.data["hold_id"]) in late_ids][:3]
    assert all(e in envelopes[:40] for e in first_late)  # before any re-verified payment
    assert set(booked) == {str(e.data["payment_id"]) for e in envelopes
                           if uuid.UUID(e.data["hold_id"]) in held} | {
        str(e.data["payment_id"]) for e in first_late}  # fmt: skip
    reasons = Counter(r for (o, r), _ in got.values() if o == "rejected")
    assert reasons == {"slot_full": 57, "hold_unknown": 6}
    for (outcome, reason), (event_type, payload) in got.values():
        assert event_type == ("BookingConfirmed" if outcome == "booked" else "BookingRejected")
        if reason is not None:
            assert payload["data"]["reason"] == reason
    # one inbox row per event id
    assert await api.rows("SELECT count(*), count(DISTINCT event_id) FROM inbox") == [
        (len(envelopes) + len(again),) * 2
    ]


async def test_two_consumers_storming_one_slot_never_oversell(api: Any) -> None:
    """Two consumer replicas (partitions of one topic) deciding batches of one storm at the
    same time: the seat row's lock serialises them; exactly the capacity is booked."""
    import asyncio

    offering_id, _, envelopes = await _storm(api, capacity=7, live=3, late=150, unknown=0)
    halves = [envelopes[0::2], envelopes[1::2]]

    async def replica(part: list[Envelope]) -> list[Outcome]:
        d = dispatcher(api, batch=True)
        out: list[Outcome] = []
        records = [record(e, i) for i, e in enumerate(part)]
        for i in range(0, len(records), 15):
            out += await d.handle_batch(records[i : i + 15])
        return out

    outcomes = await asyncio.gather(*(replica(h) for h in halves))

    assert [Counter(map(str, o)) for o in outcomes] == [{"handled": 77}, {"handled": 76}]
    got = await _decisions_and_events(api, envelopes)
    assert sum(1 for (o, _), _ in got.values() if o == "booked") == 7
    assert await api.count("bookings") == 7
    assert await api.rows("SELECT taken FROM slot_seats WHERE offering_id = :o", o=offering_id) == [
        (7,)
    ]


async def test_a_storm_racing_new_holds_and_releases_keeps_the_seat_count(api: Any) -> None:
    """The batch path deciding a storm while, on the same slot, new holds are placed and
    live ones released (HTTP paths, concurrently): no deadlock, never over capacity, the
    seat counter equal to live holds plus bookings, one decision and one event each."""
    import asyncio
    from datetime import datetime, timedelta

    from kairos_booking.domain.errors import Conflict
    from kairos_booking.domain.model import Person
    from kairos_booking.service_layer.holds import place_hold, release_hold
    from kairos_platform.auth import Principal

    offering_id, starts_at, envelopes = await _storm(api, capacity=6, live=3, late=80, unknown=0)
    live = await api.rows("SELECT hold_id, mentee_id FROM holds WHERE status = 'held'")
    at = datetime.fromisoformat(str(starts_at))
    service = api.service

    # the live holds' payers do not pay here: their holds are released meanwhile
    paying = [e for e in envelopes if uuid.UUID(e.data["hold_id"]) not in {h for h, _ in live}]

    async def storm() -> list[Outcome]:
        d = dispatcher(api, batch=True)
        records = [record(e, i) for i, e in enumerate(paying)]
        out: list[Outcome] = []
        for i in range(0, len(records), 10):
            out += await d.handle_batch(records[i : i + 10])
        return out

    async def newcomer(n: int) -> bool:
        async with service.uow_factory() as uow:
            who = Person(uuid.uuid4(), f"new{n}@example.com", "New")
            try:
                await place_hold(uow, who, uuid.UUID(offering_id), at, timedelta(minutes=10))
            except Conflict:
                return False
            return True

    async def leaver(hold_id: uuid.UUID, mentee: uuid.UUID) -> None:
        async with service.uow_factory() as uow:
            await release_hold(uow, Principal(mentee, frozenset({"mentee"})), hold_id)

    # the storm's outcomes beside the others' gathered: each typed
    outcomes, _ = await asyncio.gather(
        storm(),
        asyncio.gather(*(newcomer(n) for n in range(12)), *(leaver(h, m) for h, m in live)),
    )

    assert Counter(map(str, outcomes)) == {"handled": len(paying)}
    got = await _decisions_and_events(api, paying)
    booked = sum(1 for (o, _), _ in got.values() if o == "booked")
    held = await api.rows(
        "SELECT count(*) FROM holds WHERE status = 'held' AND offering_id = :o", o=offering_id
    )
    bookings = await api.count("bookings")
    (taken,), *_ = await api.rows(
        "SELECT taken FROM slot_seats WHERE offering_id = :o", o=offering_id
    )
    assert bookings == booked
    assert taken == held[0][0] + bookings <= 6
