"""Lock order of seat taking on real PostgreSQL: the provider's lock (opening an occurrence)
is always taken before an occurrence's ``slot_seats`` row lock, never after it.

Staged interleaving (polled, no sleeps): the occurrence's row exists with no seat taken
(its only hold was released), so its next seat is a first seat (the slow path, under the
provider's lock). A transaction holding the provider's lock, as a reschedule does
(``lock_provider``, then ``take_seat``), meets a hold being placed on that occurrence that
is already waiting for the provider's lock. Had the hold kept the row locked from its
"is it full?" read while waiting, each would wait for the other (40P01, one of them
failing); in order, both get their seat.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from kairos_booking.domain.model import Person
from kairos_booking.service_layer.holds import place_hold, release_hold
from kairos_booking.service_layer.seats import take_seat
from kairos_platform.auth import Principal

from .booking_helpers import first_slot, next_weekday, provider_with_offering

pytestmark = pytest.mark.integration


async def _waiting_for_a_provider_lock(
    api: Any, task: asyncio.Task[Any] | None = None, timeout: float = 20.0
) -> None:
    """Until a transaction waits for a provider's lock (or ``task`` is done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = await api.rows(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )
        if rows[0][0] > 0 or (task is not None and task.done()):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the hold never waited for the provider's lock")


async def test_a_first_seat_waiting_for_the_provider_lock_holds_no_seat_row(api: Any) -> None:
    provider_id, offering_id = await provider_with_offering(api, capacity=3)
    starts_at = datetime.fromisoformat(await first_slot(api, offering_id, next_weekday(2)))
    ttl = timedelta(minutes=10)
    service = api.service
    # the occurrence's row exists with no seat taken: a hold placed, then released
    first = Person(uuid.uuid4(), "first@example.com", "First")
    async with service.uow_factory() as uow:
        made = await place_hold(uow, first, uuid.UUID(offering_id), starts_at, ttl)
    async with service.uow_factory() as uow:
        await release_hold(uow, Principal(first.user_id, frozenset({"mentee"})), made.hold_id)
    assert await api.rows("SELECT taken FROM slot_seats") == [(0,)]

    async with service.uow_factory() as mover:
        await mover.catalog.lock_provider(uuid.UUID(provider_id))  # a reschedule's first step

        async def hold() -> Any:
            async with service.uow_factory() as uow:
                mentee = Person(uuid.uuid4(), "second@example.com", "Second")
                return await place_hold(uow, mentee, uuid.UUID(offering_id), starts_at, ttl)

        placing = asyncio.create_task(hold())
        await _waiting_for_a_provider_lock(api)
        offering = await mover.catalog.get_offering(uuid.UUID(offering_id))
        assert offering is not None
        taken = await asyncio.wait_for(take_seat(mover, offering, starts_at), 30)
        await mover.commit()

    placed = await asyncio.wait_for(placing, 30)
    assert taken and placed.hold_id is not None
    assert await api.rows("SELECT taken FROM slot_seats") == [(2,)]


async def test_holding_again_after_ones_own_hold_ran_out_keeps_the_lock_order(api: Any) -> None:
    """A mentee whose hold ran out (not swept yet) holds the slot again while a reschedule
    holds the provider's lock. The new hold's seat is taken before the old hold is ended:
    ending it first would lock the row (its seat given back, none left taken) and send the
    new seat through the slow path, waiting for the provider's lock with the row held."""
    provider_id, offering_id = await provider_with_offering(api, capacity=3)
    starts_at = datetime.fromisoformat(await first_slot(api, offering_id, next_weekday(3)))
    ttl = timedelta(minutes=10)
    service = api.service
    mentee = Person(uuid.uuid4(), "again@example.com", "Again")
    async with service.uow_factory() as uow:
        old = await place_hold(uow, mentee, uuid.UUID(offering_id), starts_at, ttl)
    await api.rows(
        "UPDATE holds SET expires_at = now() - interval '1 second' WHERE hold_id = :h RETURNING 1",
        h=old.hold_id,
    )

    async with service.uow_factory() as mover:
        await mover.catalog.lock_provider(uuid.UUID(provider_id))

        async def hold_again() -> Any:
            async with service.uow_factory() as uow:
                return await place_hold(uow, mentee, uuid.UUID(offering_id), starts_at, ttl)

        placing = asyncio.create_task(hold_again())
        await _waiting_for_a_provider_lock(api, placing)
        offering = await mover.catalog.get_offering(uuid.UUID(offering_id))
        assert offering is not None
        taken = await asyncio.wait_for(take_seat(mover, offering, starts_at), 30)
        await mover.commit()

    new = await asyncio.wait_for(placing, 30)
    assert taken and new.hold_id != old.hold_id
    assert await api.rows("SELECT taken FROM slot_seats") == [(2,)]  # the new hold, the mover
    statuses = await api.rows("SELECT hold_id, status FROM holds")
    assert dict(statuses) == {old.hold_id: "expired", new.hold_id: "held"}
    expired = await api.rows("SELECT payload FROM outbox WHERE event_type = 'HoldExpired'")
    assert [p["data"]["hold_id"] for (p,) in expired] == [str(old.hold_id)]


@pytest.mark.parametrize("capacity", [1, 2])
async def test_holding_again_after_ones_own_hold_ran_out_gets_a_seat(
    api: Any, capacity: int
) -> None:
    """The seat of one's own hold past expiry comes back for the new hold, also when it was
    the last one (capacity 1) or the slot is full with someone else's live hold."""
    _, offering_id = await provider_with_offering(api, capacity=capacity)
    starts_at = datetime.fromisoformat(await first_slot(api, offering_id, next_weekday(4)))
    ttl = timedelta(minutes=10)
    service = api.service
    mentee = Person(uuid.uuid4(), "again@example.com", "Again")
    async with service.uow_factory() as uow:
        old = await place_hold(uow, mentee, uuid.UUID(offering_id), starts_at, ttl)
    if capacity == 2:
        async with service.uow_factory() as uow:
            other = Person(uuid.uuid4(), "other@example.com", "Other")
            await place_hold(uow, other, uuid.UUID(offering_id), starts_at, ttl)
    await api.rows(
        "UPDATE holds SET expires_at = now() - interval '1 second' WHERE hold_id = :h RETURNING 1",
        h=old.hold_id,
    )

    async with service.uow_factory() as uow:
        new = await place_hold(uow, mentee, uuid.UUID(offering_id), starts_at, ttl)

    assert await api.rows("SELECT taken FROM slot_seats") == [(capacity,)]
    mine = await api.rows(
        "SELECT hold_id, status FROM holds WHERE mentee_id = :m", m=mentee.user_id
    )
    assert dict(mine) == {old.hold_id: "expired", new.hold_id: "held"}


async def _waiting_for_a_row(api: Any, timeout: float = 20.0) -> None:
    """Until a transaction waits for another one (a row it inserted or locked)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = await api.rows(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted"
        )
        if rows[0][0] > 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the hold never waited for the person's row")


async def test_a_hold_and_a_paid_cycle_of_one_mentee_take_the_person_first(api: Any) -> None:
    """A paid cycle writes the mentee's person row, then takes the provider's lock for its
    sessions; a one-time hold of the same mentee with the same provider, placed meanwhile,
    waits for that row before it takes any lock of its own. (It used to take the provider's
    lock first and the row last: 40P01, a 503 to the mentee, seen by the money model.)"""
    provider_id, offering_id = await provider_with_offering(api, capacity=2)
    starts_at = datetime.fromisoformat(await first_slot(api, offering_id, next_weekday(5)))
    service = api.service
    mentee = Person(uuid.uuid4(), "both@example.com", "Both")
    async with service.uow_factory() as cycle:
        await cycle.people.remember(mentee)  # the cycle's first write, not committed yet

        async def hold() -> Any:
            async with service.uow_factory() as uow:
                return await place_hold(
                    uow, mentee, uuid.UUID(offering_id), starts_at, timedelta(minutes=10)
                )

        placing = asyncio.create_task(hold())
        await _waiting_for_a_row(api)
        await asyncio.wait_for(cycle.catalog.lock_provider(uuid.UUID(provider_id)), 30)
        await cycle.commit()

    placed = await asyncio.wait_for(placing, 30)
    assert placed.hold_id is not None
    assert await api.rows("SELECT taken FROM slot_seats") == [(1,)]
