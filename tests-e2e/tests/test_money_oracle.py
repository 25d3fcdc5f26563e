"""The money oracle can fail: a booked session, told the wrong way round, is reported by the
invariant that guards it (a hold said released that was booked, a refund answered that the
booking does not show, a capacity it does not have), and told truly, nothing is."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from kairos_e2e.client import Gateway
from kairos_e2e.market import Market, mentee
from kairos_e2e.money import MONEY, RELEASED, SEATS, OfferingTold, Oracle, Told, audit

pytestmark = pytest.mark.e2e


async def test_each_money_invariant_reports_what_it_guards(gateway: Gateway) -> None:
    market = Market(gateway, capacity=2)
    await market.open()
    slot = (await market.slots())[0].starts_at
    user, who = mentee(gateway)
    booked = await market.book(who, slot)
    assert isinstance(booked.hold_id, uuid.UUID), booked  # a one-time booking's hold
    # The oracle is told ids and times as the API writes them (text).
    offering_id, hold_id = str(market.offering_id), str(booked.hold_id)
    told = Told()
    told.person(user, who)
    told.offerings[offering_id] = OfferingTold(
        offering_id, str(market.provider_id), 2, market.mentor
    )
    told.holds[hold_id] = (str(user), offering_id, booked.starts_at.isoformat())
    oracle = Oracle(gateway.base_url, gateway.stripe_api_base, gateway.stripe_api_key)

    async def found(t: Told) -> dict[str, list[str]]:
        async def settled() -> dict[str, list[str]]:
            return await asyncio.to_thread(audit, oracle, t)

        for _ in range(60):  # the capture may still be on its way
            result = await settled()
            if not any("not settled" in p for p in result[MONEY]):
                return result
            await asyncio.sleep(0.5)
        return result

    try:
        assert await found(told) == {MONEY: [], RELEASED: [], SEATS: []}
        told.released.add(hold_id)  # "your hold is released" (it was booked)
        assert (await found(told))[RELEASED]
        told.released.clear()
        told.refunds[str(booked.booking_id)] = 100  # "you get 100 back" (nothing was)
        assert (await found(told))[MONEY]
        told.refunds.clear()
        told.offerings[offering_id].capacity = 3  # "three seats" (two)
        assert (await found(told))[SEATS]
    finally:
        oracle.close()
