"""Recurring offerings in the catalog: OfferingPublished on every change, versions, and
the one-time paths (slots, holds) refusing programmes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from kairos_booking.domain.errors import Invalid
from kairos_booking.domain.model import OfferingKind, Person, Provider, WeeklyTime
from kairos_booking.service_layer import catalog, holds, slots
from kairos_contracts.events.booking import OfferingPublished
from kairos_platform.auth import Principal

from .fakes import FakeBookingUow

NOW = datetime(2030, 1, 1, 8, tzinfo=UTC)
MENTOR = Principal(uuid.uuid4(), frozenset({"mentor"}))
RECURRING = {
    "title": "Programme", "duration_min": 60, "price_minor": 12000, "currency": "EUR",
    "capacity": 8, "kind": OfferingKind.RECURRING, "pattern": (WeeklyTime(1, 18 * 60),),
}  # fmt: skip


async def _provider() -> tuple[FakeBookingUow, Provider]:
    uow = FakeBookingUow(NOW)
    provider = Provider(uuid.uuid4(), MENTOR.user_id, "Ada", "ada@example.com", "Europe/Madrid")
    await uow.catalog.add_provider(provider)
    return uow, provider


async def test_every_create_and_change_publishes_the_offering_with_a_growing_version() -> None:
    uow, provider = await _provider()
    made = await catalog.create_offering(uow, MENTOR, provider.provider_id, RECURRING)
    await catalog.update_offering(uow, MENTOR, made.offering_id, {"price_minor": 15000})
    one_time = {**RECURRING, "kind": OfferingKind.ONE_TIME, "pattern": ()}
    await catalog.create_offering(uow, MENTOR, provider.provider_id, one_time)
    await catalog.update_provider(uow, MENTOR, provider.provider_id, {"display_name": "Ada L."})
    published = uow.events(OfferingPublished)
    shape = [(e.offering_id, e.version, e.kind, e.amount_minor, e.interval) for e in published]
    other = published[2].offering_id
    assert shape[:3] == [
        (made.offering_id, 0, "recurring", 12000, "month"),
        (made.offering_id, 1, "recurring", 15000, "month"),
        (other, 0, "one_time", 12000, None),
    ]
    # the provider's name is in the event: each offering goes out again, one version up
    assert sorted(shape[3:]) == sorted(
        [(made.offering_id, 2, "recurring", 15000, "month"), (other, 1, "one_time", 12000, None)]
    )
    assert published[-1].provider.display_name == "Ada L."


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"pattern": ()}, "needs a weekly pattern"),
        ({"pattern": (WeeklyTime(1, 600), WeeklyTime(1, 700))}, "one time per weekday"),
        ({"price_in_credits": 3}, "no price_in_credits"),
        ({"kind": OfferingKind.ONE_TIME}, "only a recurring offering has a weekly pattern"),
    ],
)
async def test_a_malformed_programme_is_refused(fields: dict[str, object], why: str) -> None:
    uow, provider = await _provider()
    with pytest.raises(Invalid, match=why):
        await catalog.create_offering(uow, MENTOR, provider.provider_id, {**RECURRING, **fields})
    assert uow.events(OfferingPublished) == []


async def test_an_offerings_kind_cannot_change() -> None:
    uow, provider = await _provider()
    made = await catalog.create_offering(uow, MENTOR, provider.provider_id, RECURRING)
    with pytest.raises(Invalid, match="kind cannot change"):
        await catalog.update_offering(
            uow, MENTOR, made.offering_id, {"kind": OfferingKind.ONE_TIME, "pattern": ()}
        )


async def test_slots_and_holds_refuse_a_recurring_offering() -> None:
    uow, provider = await _provider()
    made = await catalog.create_offering(uow, MENTOR, provider.provider_id, RECURRING)
    day = date(2030, 1, 8)
    with pytest.raises(Invalid) as refused:
        await slots.list_slots(uow, made.offering_id, day, day)
    assert refused.value.slug == "offering-is-recurring"
    at = datetime(2030, 1, 8, 17, tzinfo=UTC)
    with pytest.raises(Invalid, match="recurring programme"):
        await holds.place_hold(
            uow, Person(uuid.uuid4()), made.offering_id, at, timedelta(minutes=10)
        )
