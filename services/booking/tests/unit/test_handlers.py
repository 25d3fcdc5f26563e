"""Handlers with in-memory fakes and a pinned clock: holds, payments, cancellation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kairos_booking.domain.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from kairos_booking.domain.model import HoldStatus, Offering, Person, Provider
from kairos_booking.service_layer import bookings, catalog, holds, payment_events
from kairos_contracts import Envelope
from kairos_contracts.catalog import consumers_of
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRejected,
    HoldExpired,
    HoldPlaced,
)
from kairos_contracts.events.payments import PaymentFailed, PaymentVerified
from kairos_platform.auth import Principal

from .fakes import FakeBookingUow, every_day

NOW = datetime(2030, 1, 1, 8, tzinfo=UTC)
SLOT = datetime(2030, 1, 3, 10, tzinfo=UTC)
TTL = timedelta(minutes=10)
MENTOR = uuid.uuid4()


async def _world(
    capacity: int = 1, refund_full_hours_before: int = 24
) -> tuple[FakeBookingUow, Offering]:
    uow = FakeBookingUow(NOW)
    provider = Provider(uuid.uuid4(), MENTOR, "Ada", "ada@example.com", "UTC")
    offering = Offering(
        uuid.uuid4(),
        provider.provider_id,
        "Mentoring",
        60,
        5000,
        "EUR",
        capacity,
        refund_full_hours_before=refund_full_hours_before,
    )
    await uow.catalog.add_provider(provider)
    await uow.catalog.add_offering(offering)
    await uow.catalog.set_weekly(provider.provider_id, every_day(9, 12))
    return uow, offering


def _mentee() -> Person:
    return Person(uuid.uuid4(), "m@example.com", "Mo")


def _verified(
    hold_id: uuid.UUID, mentee: Person, offering: Offering, **kw: object
) -> PaymentVerified:
    return PaymentVerified(
        payment_id=kw.pop("payment_id", uuid.uuid4()), method="card", mentee_id=mentee.user_id,
        offering_id=offering.offering_id, amount_minor=5000, currency="EUR", hold_id=hold_id,
        verified_at=NOW,
    )  # fmt: skip


async def _deliver(uow: FakeBookingUow, event: PaymentVerified) -> None:
    await payment_events.on_payment_verified(event, Envelope.wrap(event, source="payments"), uow)
    await uow.commit()


async def test_a_hold_takes_a_seat_at_the_price_booking_decides() -> None:
    uow, offering = await _world()
    mentee = _mentee()
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    assert hold.expires_at == NOW + TTL
    [placed] = uow.events(HoldPlaced)
    assert (placed.amount_minor, placed.currency) == (5000, "EUR")
    with pytest.raises(Conflict, match="already hold"):
        await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    with pytest.raises(Conflict, match="full"):
        await holds.place_hold(uow, _mentee(), offering.offering_id, SLOT, TTL)
    with pytest.raises(Invalid):
        await holds.place_hold(
            uow, _mentee(), offering.offering_id, SLOT + timedelta(minutes=7), TTL
        )


async def test_an_overdue_hold_gives_its_seat_to_the_next_mentee() -> None:
    uow, offering = await _world()
    await holds.place_hold(uow, _mentee(), offering.offering_id, SLOT, TTL)
    uow.clock = NOW + TTL
    await holds.place_hold(uow, _mentee(), offering.offering_id, SLOT, TTL)
    assert len(uow.events(HoldExpired)) == 1
    assert uow.seats.taken(offering.offering_id, SLOT) == 1


async def test_payment_verified_converts_the_hold_into_one_booking() -> None:
    uow, offering = await _world()
    mentee = _mentee()
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    event = _verified(hold.hold_id, mentee, offering)
    await _deliver(uow, event)
    await _deliver(uow, event.model_copy())  # same payment again (new delivery)
    [confirmed] = uow.events(BookingConfirmed)
    assert confirmed.mentee.email == "m@example.com"
    assert len(uow.bookings.bookings) == 1
    assert uow.holds.holds[hold.hold_id].status is HoldStatus.CONVERTED
    assert uow.seats.taken(offering.offering_id, SLOT) == 1


async def test_a_payment_for_an_expired_hold_is_rejected_when_the_slot_is_full() -> None:
    uow, offering = await _world()
    first, second = _mentee(), _mentee()
    h1 = await holds.place_hold(uow, first, offering.offering_id, SLOT, TTL)
    uow.clock = NOW + TTL  # h1 runs out; the next hold takes its seat
    h2 = await holds.place_hold(uow, second, offering.offering_id, SLOT, TTL)
    assert uow.holds.holds[h1.hold_id].status is HoldStatus.EXPIRED
    await _deliver(uow, _verified(h1.hold_id, first, offering))
    await _deliver(uow, _verified(h2.hold_id, second, offering))
    [rejected] = uow.events(BookingRejected)
    assert rejected.reason == "slot_full"
    assert len(uow.bookings.bookings) == 1


async def test_a_payment_for_an_expired_hold_takes_a_seat_still_free() -> None:
    uow, offering = await _world()
    mentee = _mentee()
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    uow.clock = NOW + TTL
    assert await holds.expire_due_holds(uow, 10) == 1
    await _deliver(uow, _verified(hold.hold_id, mentee, offering))
    assert uow.events(BookingRejected) == []
    assert len(uow.bookings.bookings) == 1
    assert uow.seats.taken(offering.offering_id, SLOT) == 1


async def test_a_payment_for_a_hold_the_mentee_released_is_refused_with_seats_free() -> None:
    """The release answered 204 and gave the seat back: the payment authorized meanwhile
    (in the browser) never becomes a booking, however many seats are free."""
    uow, offering = await _world(capacity=3)
    mentee = _mentee()
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    await holds.release_hold(uow, Principal(mentee.user_id, frozenset({"mentee"})), hold.hold_id)
    await _deliver(uow, _verified(hold.hold_id, mentee, offering))
    [rejected] = uow.events(BookingRejected)
    assert rejected.reason == "hold_released"
    assert uow.bookings.bookings == {}
    assert uow.seats.taken(offering.offering_id, SLOT) == 0


async def test_an_inactive_provider_or_unknown_hold_is_rejected_and_frees_the_seat() -> None:
    uow, offering = await _world()
    mentee = _mentee()
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    provider = uow.catalog.providers[offering.provider_id]
    provider.active = False
    await _deliver(uow, _verified(hold.hold_id, mentee, offering))
    await _deliver(uow, _verified(uuid.uuid4(), mentee, offering))
    reasons = [e.reason for e in uow.events(BookingRejected)]
    assert reasons == ["provider_inactive", "hold_unknown"]
    assert uow.seats.taken(offering.offering_id, SLOT) == 0
    assert uow.bookings.bookings == {}


async def test_a_declined_card_is_no_reason_to_let_the_hold_go() -> None:
    """PaymentFailed (a refused card) is not booking's business: the payer keeps the hold
    until it expires and may pay with another card."""
    from kairos_booking.service_layer.handlers import event_handlers

    assert PaymentFailed not in event_handlers()
    assert "booking" not in consumers_of("PaymentFailed")


async def test_releasing_an_expired_hold_is_gone_and_someone_elses_is_forbidden() -> None:
    uow, offering = await _world()
    mentee = _mentee()
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    with pytest.raises(Forbidden):
        await holds.release_hold(uow, Principal(uuid.uuid4(), frozenset({"mentee"})), hold.hold_id)
    uow.clock = NOW + TTL
    with pytest.raises(Gone):
        await holds.release_hold(
            uow, Principal(mentee.user_id, frozenset({"mentee"})), hold.hold_id
        )


@pytest.mark.parametrize(
    ("who", "hours_before", "refund"),
    [("mentee", 48, 5000), ("mentee", 2, 0), ("mentor", 2, 5000)],
)
async def test_cancellation_refunds_by_the_offering_policy(
    who: str, hours_before: int, refund: int
) -> None:
    uow, offering = await _world(refund_full_hours_before=24)
    mentee = _mentee()
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    await _deliver(uow, _verified(hold.hold_id, mentee, offering))
    [booking_id] = uow.bookings.bookings
    uow.clock = SLOT - timedelta(hours=hours_before)
    caller = mentee.user_id if who == "mentee" else MENTOR
    await bookings.cancel_booking(uow, Principal(caller, frozenset({who})), booking_id, "ill")
    [event] = uow.events(BookingCancelled)
    assert (event.cancelled_by, event.refund_amount_minor, event.sequence) == (who, refund, 1)
    assert uow.seats.taken(offering.offering_id, SLOT) == 0


async def test_a_booking_is_read_by_its_mentee_its_mentor_or_an_admin_only() -> None:
    uow, offering = await _world()
    mentee = _mentee()
    await uow.people.remember(mentee)
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    await _deliver(uow, _verified(hold.hold_id, mentee, offering))
    [booking_id] = uow.bookings.bookings
    for who, role in ((mentee.user_id, "mentee"), (MENTOR, "mentor"), (uuid.uuid4(), "admin")):
        found, booker = await bookings.booking_for(
            uow, Principal(who, frozenset({role})), booking_id
        )
        assert (found.booking_id, found.hold_id, found.amount_minor) == (
            booking_id,
            hold.hold_id,
            5000,
        )
        assert (booker.user_id, booker.email, booker.display_name) == (
            mentee.user_id,
            "m@example.com",
            "Mo",
        )
    for role in ("mentee", "mentor"):
        with pytest.raises(Forbidden):
            await bookings.booking_for(uow, Principal(uuid.uuid4(), frozenset({role})), booking_id)
    with pytest.raises(NotFound):
        await bookings.booking_for(
            uow, Principal(mentee.user_id, frozenset({"admin"})), uuid.uuid4()
        )


async def test_a_cancelled_booking_is_still_read() -> None:
    uow, offering = await _world()
    mentee = _mentee()
    hold = await holds.place_hold(uow, mentee, offering.offering_id, SLOT, TTL)
    await _deliver(uow, _verified(hold.hold_id, mentee, offering))
    [booking_id] = uow.bookings.bookings
    caller = Principal(mentee.user_id, frozenset({"mentee"}))
    await bookings.cancel_booking(uow, caller, booking_id, None)
    found, _ = await bookings.booking_for(uow, caller, booking_id)
    assert (found.status.value, found.refund_amount_minor) == ("cancelled", 5000)


async def test_a_mentor_finds_their_own_provider_or_a_404() -> None:
    uow, _ = await _world()
    found = await catalog.my_provider(uow, Principal(MENTOR, frozenset({"mentor"})))
    assert found.user_id == MENTOR
    with pytest.raises(NotFound, match="no provider"):
        await catalog.my_provider(uow, Principal(uuid.uuid4(), frozenset({"mentor"})))
