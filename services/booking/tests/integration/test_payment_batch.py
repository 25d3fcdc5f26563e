"""PaymentVerified through the batch path (the consumer process's: Dispatcher.handle_batch
with booking's batch handler) against the per-record path, on real PostgreSQL.

The same scenario is built in two databases (same mentee and payment ids; holds, bookings
and event ids differ and are compared by role): one run through the batch path, one record
by record. Decisions, holds, seats, bookings and the outbox must agree.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from booking_helpers import (
    dispatcher,
    first_slot,
    hold,
    next_weekday,
    provider_with_offering,
    record,
    verified,
)

from kairos_booking.entrypoints.jobs import expire_until_done
from kairos_booking.service_layer import payment_batch
from kairos_contracts import Envelope
from kairos_contracts.events.payments import PaymentVerified
from kairos_contracts.topics import PAYMENTS_PAYMENTS, dlq_topic
from kairos_platform.messaging.consumer import Outcome

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
    # one batch call: 7 records, one a duplicate; d (hold_unknown), e (swept), e2 and b2
    # (payments met again) left to the per-record path; a and b booked set-based
    assert calls == [(6, 4)]
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
    assert calls == [(6, 4)]
    assert await batched.state() == state


async def test_a_failure_inside_the_batch_falls_back_and_ends_exactly_once(
    api: Any, second_api: Any
) -> None:
    batched, single = await Scenario(api).build(), await Scenario(second_api).build()
    calls: list[tuple[int, int]] = []
    d = dispatcher(api, batch_handlers=_counting(calls, fail=True))

    outcomes = await d.handle_batch(batched.records())

    assert calls == [(6, 4)]  # it ran, wrote, and was rolled back
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
