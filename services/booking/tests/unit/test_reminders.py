"""An offering's reminder times (``reminder_minutes_before``): the request's rules, the
default, the stored order, and every booking event carrying the offering's setting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from kairos_booking.domain.errors import Invalid
from kairos_booking.domain.model import (
    DEFAULT_REMINDERS,
    Booking,
    Offering,
    Person,
    Provider,
    reminder_problem,
    reminders,
)
from kairos_booking.entrypoints.models import OfferingOut
from kairos_booking.entrypoints.schemas import OfferingIn, OfferingPatch
from kairos_booking.service_layer import bookings, catalog, holds, outgoing, payment_events
from kairos_contracts import Envelope
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRescheduled,
    BookingRestored,
    OfferingPublished,
    RestoreCause,
)
from kairos_contracts.events.payments import PaymentVerified
from kairos_contracts.types import Actor
from kairos_platform.auth import Principal

from .fakes import FakeBookingUow, every_day
from .subscription_world import world

NOW = datetime(2030, 1, 1, 8, tzinfo=UTC)
SLOT = datetime(2030, 1, 3, 10, tzinfo=UTC)
MENTOR = Principal(uuid.uuid4(), frozenset({"mentor"}))
ONE_TIME: dict[str, Any] = {
    "title": "Mentoring",
    "duration_min": 60,
    "price_minor": 5000,
    "currency": "EUR",
    "capacity": 1,
}

# (value sent, where the 422 points)
REFUSED: list[tuple[Any, str]] = [
    ([60, 60], "reminder_minutes_before"),  # a duplicate
    ([1440, 60, 30, 15, 10, 5], "reminder_minutes_before"),  # six
    ([4], "reminder_minutes_before[0]"),  # under 5 minutes
    ([60, 10081], "reminder_minutes_before[1]"),  # over 7 days
    ([0], "reminder_minutes_before[0]"),
    ([-60], "reminder_minutes_before[0]"),
    ([60.5], "reminder_minutes_before[0]"),
    ([60.0], "reminder_minutes_before[0]"),  # a whole number, but not an integer
    (["60"], "reminder_minutes_before[0]"),
    ([True], "reminder_minutes_before[0]"),
    ([None], "reminder_minutes_before[0]"),
    (60, "reminder_minutes_before"),
    ("60", "reminder_minutes_before"),
    ({"minutes": 60}, "reminder_minutes_before"),
]


def _where(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    out = set()
    for e in exc.value.errors():
        out.add("".join(f"[{p}]" if isinstance(p, int) else str(p) for p in e["loc"]))
    return out


# --- the request's rules ---------------------------------------------------------------


def test_an_offering_reminds_24_hours_and_1_hour_before_unless_told_otherwise() -> None:
    assert DEFAULT_REMINDERS == (1440, 60)
    assert OfferingIn(**ONE_TIME).fields()["reminder_minutes_before"] == (1440, 60)
    assert Offering(uuid.uuid4(), uuid.uuid4(), "t", 60, 0, "EUR", 1).reminder_minutes_before == (
        1440,
        60,
    )


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ([], ()),
        ([5], (5,)),
        ([10080], (10080,)),
        ([60, 1440], (1440, 60)),
        ([5, 10080, 60, 30, 1440], (10080, 1440, 60, 30, 5)),
    ],
)
def test_valid_reminders_are_kept_earliest_first(sent: list[int], stored: tuple[int, ...]) -> None:
    assert (
        OfferingIn(**ONE_TIME, reminder_minutes_before=sent).fields()["reminder_minutes_before"]
        == stored
    )
    assert OfferingPatch(reminder_minutes_before=sent).fields() == {
        "reminder_minutes_before": stored
    }


@pytest.mark.parametrize(("sent", "where"), REFUSED)
def test_invalid_reminders_are_refused_naming_the_field(sent: Any, where: str) -> None:
    with pytest.raises(ValidationError) as created:
        OfferingIn.model_validate({**ONE_TIME, "reminder_minutes_before": sent})
    assert _where(created) == {where}
    with pytest.raises(ValidationError) as patched:
        OfferingPatch.model_validate({"reminder_minutes_before": sent})
    assert _where(patched) == {where}


def test_null_is_refused_and_omitted_changes_nothing() -> None:
    with pytest.raises(ValidationError, match="may be omitted but not null") as patched:
        OfferingPatch.model_validate({"reminder_minutes_before": None})
    assert _where(patched) == {"reminder_minutes_before"}
    with pytest.raises(ValidationError) as created:
        OfferingIn.model_validate({**ONE_TIME, "reminder_minutes_before": None})
    assert _where(created) == {"reminder_minutes_before"}
    assert "reminder_minutes_before" not in OfferingPatch(title="New").fields()


def test_the_domain_rule_says_why() -> None:
    assert reminder_problem([]) is None
    assert reminder_problem([1440, 60]) is None
    assert reminder_problem([1, 2, 3, 4, 5, 6]) == "at most 5 reminders"
    assert "5 to 10080 minutes" in (reminder_problem([4]) or "")
    assert "twice" in (reminder_problem([60, 60]) or "")
    assert "whole number" in (reminder_problem([True]) or "")
    assert reminders([5, 60, 30]) == (60, 30, 5)
    with pytest.raises(ValueError, match="twice"):
        reminders([30, 30])


def test_the_answer_shows_the_offerings_reminders() -> None:
    offering = Offering(uuid.uuid4(), uuid.uuid4(), "t", 60, 0, "EUR", 1)
    assert OfferingOut.of(offering).reminder_minutes_before == [1440, 60]
    offering.reminder_minutes_before = ()
    assert OfferingOut.of(offering).model_dump()["reminder_minutes_before"] == []


# --- create and change -----------------------------------------------------------------


async def _provider() -> tuple[FakeBookingUow, Provider]:
    uow = FakeBookingUow(NOW)
    provider = Provider(uuid.uuid4(), MENTOR.user_id, "Ada", "ada@example.com", "UTC")
    await uow.catalog.add_provider(provider)
    await uow.catalog.set_weekly(provider.provider_id, every_day(9, 12))
    return uow, provider


async def test_create_and_change_store_the_reminders_earliest_first() -> None:
    uow, provider = await _provider()
    made = await catalog.create_offering(uow, MENTOR, provider.provider_id, dict(ONE_TIME))
    assert made.reminder_minutes_before == (1440, 60)
    changed = await catalog.update_offering(
        uow, MENTOR, made.offering_id, {"reminder_minutes_before": (30, 2880)}
    )
    assert changed.reminder_minutes_before == (2880, 30)
    stored = uow.catalog.offerings[made.offering_id]
    assert stored.reminder_minutes_before == (2880, 30)
    # another change leaves them alone; [] turns them off
    await catalog.update_offering(uow, MENTOR, made.offering_id, {"title": "Other"})
    assert uow.catalog.offerings[made.offering_id].reminder_minutes_before == (2880, 30)
    await catalog.update_offering(uow, MENTOR, made.offering_id, {"reminder_minutes_before": ()})
    assert uow.catalog.offerings[made.offering_id].reminder_minutes_before == ()


@pytest.mark.parametrize("bad", [(60, 60), (1, 60), (60, 20000), (5, 10, 15, 20, 25, 30)])
async def test_the_service_layer_refuses_invalid_reminders_and_writes_nothing(
    bad: tuple[int, ...],
) -> None:
    uow, provider = await _provider()
    with pytest.raises(Invalid, match="reminder_minutes_before"):
        await catalog.create_offering(
            uow, MENTOR, provider.provider_id, {**ONE_TIME, "reminder_minutes_before": bad}
        )
    assert uow.catalog.offerings == {}
    made = await catalog.create_offering(uow, MENTOR, provider.provider_id, dict(ONE_TIME))
    published = len(uow.events(OfferingPublished))
    with pytest.raises(Invalid, match="reminder_minutes_before"):
        await catalog.update_offering(
            uow, MENTOR, made.offering_id, {"reminder_minutes_before": bad}
        )
    assert uow.catalog.offerings[made.offering_id].reminder_minutes_before == (1440, 60)
    assert len(uow.events(OfferingPublished)) == published


# --- the events ------------------------------------------------------------------------


BookingEvent = BookingConfirmed | BookingRescheduled | BookingCancelled | BookingRestored


def _booking_events(uow: FakeBookingUow) -> list[BookingEvent]:
    return [
        *uow.events(BookingConfirmed),
        *uow.events(BookingRescheduled),
        *uow.events(BookingCancelled),
        *uow.events(BookingRestored),
    ]


async def _book(uow: FakeBookingUow, offering: Offering, mentee: Person) -> uuid.UUID:
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, timedelta(minutes=10))
    event = PaymentVerified(
        payment_id=uuid.uuid4(), method="card", mentee_id=mentee.user_id,
        offering_id=offering.offering_id, amount_minor=5000, currency="EUR",
        hold_id=hold.hold_id, verified_at=NOW,
    )  # fmt: skip
    await payment_events.on_payment_verified(event, Envelope.wrap(event, source="payments"), uow)
    await uow.commit()
    [booking_id] = [b for b, v in uow.bookings.bookings.items() if v.mentee_id == mentee.user_id]
    return booking_id


async def test_confirmed_rescheduled_and_cancelled_carry_the_offerings_setting_now() -> None:
    uow, provider = await _provider()
    made = await catalog.create_offering(
        uow, MENTOR, provider.provider_id, {**ONE_TIME, "reminder_minutes_before": (30, 120)}
    )
    mentee = Person(uuid.uuid4(), "m@example.com", "Mo")
    booking_id = await _book(uow, made, mentee)
    [confirmed] = uow.events(BookingConfirmed)
    assert confirmed.reminder_minutes_before == [120, 30]
    # the mentor changes the setting: the next event about the booking says so
    await catalog.update_offering(uow, MENTOR, made.offering_id, {"reminder_minutes_before": ()})
    caller = Principal(mentee.user_id, frozenset({"mentee"}))
    await bookings.reschedule_booking(uow, caller, booking_id, SLOT + timedelta(hours=1))
    [moved] = uow.events(BookingRescheduled)
    assert moved.reminder_minutes_before == []
    await catalog.update_offering(
        uow, MENTOR, made.offering_id, {"reminder_minutes_before": (10080,)}
    )
    await bookings.cancel_booking(uow, caller, booking_id, None)
    [cancelled] = uow.events(BookingCancelled)
    assert cancelled.reminder_minutes_before == [10080]
    # and the default is said explicitly, not left to the consumer
    other = await catalog.create_offering(uow, MENTOR, provider.provider_id, dict(ONE_TIME))
    await _book(uow, other, Person(uuid.uuid4(), "n@example.com", "No"))
    assert uow.events(BookingConfirmed)[-1].reminder_minutes_before == [1440, 60]
    assert {type(e) for e in _booking_events(uow)} == {
        BookingConfirmed,
        BookingRescheduled,
        BookingCancelled,
    }


async def test_a_programmes_sessions_cancelled_and_restored_carry_it_too() -> None:
    w = await world()
    mentor = Principal(uuid.uuid4(), frozenset({"admin"}))
    w.offering = await catalog.update_offering(
        w.uow, mentor, w.offering.offering_id, {"reminder_minutes_before": (15, 45)}
    )
    march = (datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC))
    unsub = datetime(2030, 3, 8, 9, tzinfo=UTC)
    await w.deliver(w.cycle(1, *march))
    w.uow.clock = unsub + timedelta(minutes=1)
    await w.deliver(w.unsubscribe(unsub))
    await w.deliver(w.reactivate(unsub))
    events = _booking_events(w.uow)
    assert {type(e) for e in events} == {BookingConfirmed, BookingCancelled, BookingRestored}
    assert {tuple(e.reminder_minutes_before or ()) for e in events} == {(45, 15)}


def test_every_builder_of_a_booking_event_fills_it_from_the_offering() -> None:
    offering = Offering(uuid.uuid4(), uuid.uuid4(), "t", 60, 0, "EUR", 1)
    offering.reminder_minutes_before = (2880, 5)
    provider = Provider(offering.provider_id, uuid.uuid4(), "Ada", None, "UTC")
    booking = Booking(
        booking_id=uuid.uuid4(), payment_id=uuid.uuid4(), payment_method="card",
        offering_id=offering.offering_id, provider_id=offering.provider_id,
        mentee_id=uuid.uuid4(), starts_at=SLOT, ends_at=SLOT + timedelta(hours=1),
        amount_minor=0, currency="EUR",
    )  # fmt: skip
    mentee = Person(booking.mentee_id, None, None)
    at = (booking.starts_at, booking.ends_at)
    made: list[BookingEvent] = [
        outgoing.booking_confirmed(booking, offering, provider, mentee),
        outgoing.booking_rescheduled(booking, offering, provider, mentee, at, Actor.MENTEE, NOW),
        outgoing.booking_restored(
            booking, offering, provider, mentee, RestoreCause.UNSUBSCRIBE_UNDONE, NOW, NOW
        ),
    ]
    booking.cancel(NOW, "mentee", "by_mentee", 0)
    made.append(outgoing.booking_cancelled(booking, offering, provider, mentee))
    assert [e.reminder_minutes_before for e in made] == [[2880, 5]] * 4
    # and on the wire, as the event's JSON says it
    assert all(
        Envelope.from_json(Envelope.wrap(e, source="booking").to_json())
        .payload_as(type(e))
        .reminder_minutes_before
        == [2880, 5]
        for e in made
    )
