"""A paid cycle creates its sessions (fakes, pinned clock)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kairos_booking.domain.model import BookingStatus, DateOverride, OverrideKind, Person
from kairos_contracts.events.booking import BookingConfirmed, BookingRejected

from .subscription_world import world

MADRID = ZoneInfo("Europe/Madrid")
MARCH = (datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC))
APRIL = (datetime(2030, 4, 1, tzinfo=UTC), datetime(2030, 5, 1, tzinfo=UTC))


async def test_a_paid_cycle_books_every_occurrence_across_the_dst_change() -> None:
    w = await world()
    start, end = datetime(2030, 3, 15, tzinfo=UTC), datetime(2030, 4, 15, tzinfo=UTC)
    paid = w.cycle(1, start, end)
    await w.deliver(paid)
    sessions = w.sessions()
    assert [str(b.local_date) for b in sessions] == [
        "2030-03-19", "2030-03-26", "2030-04-02", "2030-04-09",
    ]  # fmt: skip
    assert {b.starts_at.astimezone(MADRID).strftime("%H:%M") for b in sessions} == {"18:00"}
    assert [b.starts_at.hour for b in sessions] == [17, 17, 16, 16]  # UTC
    confirmed = w.uow.events(BookingConfirmed)
    assert len(confirmed) == 4
    first = confirmed[0]
    enrollment = w.enrollment()
    assert first.enrollment_id == enrollment.enrollment_id
    assert first.subscription_id == w.subscription_id
    assert first.cycle == paid.cycle
    assert [c.amount_minor for c in confirmed] == [1000] * 4
    assert (enrollment.cycle_number, enrollment.cycle_ends_at) == (1, end)


async def test_a_repeated_event_or_the_same_cycle_paid_twice_creates_nothing_more() -> None:
    w = await world()
    paid = w.cycle(1, *MARCH)
    await w.deliver(paid)
    await w.deliver(paid.model_copy())  # the same payment, delivered again
    await w.deliver(w.cycle(1, *MARCH))  # the same cycle under another payment
    assert len(w.sessions()) == 4
    assert len(w.uow.events(BookingConfirmed)) == 4
    assert w.uow.events(BookingRejected) == []
    assert len(w.uow.bookings.decisions) == 2  # each payment got exactly one answer


async def test_an_occurrence_on_a_closed_date_is_rejected_with_its_share() -> None:
    w = await world()
    closed = datetime(2030, 3, 12).date()
    await w.uow.catalog.put_override(
        w.offering.provider_id, DateOverride(closed, OverrideKind.CLOSED)
    )
    paid = w.cycle(1, *MARCH, amount=4001)
    await w.deliver(paid)
    assert [str(b.local_date) for b in w.sessions()] == ["2030-03-05", "2030-03-19", "2030-03-26"]
    [rejected] = w.uow.events(BookingRejected)
    assert rejected.reason == "occurrence_unavailable"
    assert rejected.starts_at == datetime(2030, 3, 12, 17, tzinfo=UTC)
    assert rejected.ends_at == datetime(2030, 3, 12, 18, tzinfo=UTC)
    assert rejected.amount_minor == 1000  # 4001 = 1001 + 1000 * 3; the 2nd gets 1000
    assert rejected.subscription_id == w.subscription_id
    assert rejected.enrollment_id == w.enrollment().enrollment_id
    assert rejected.cycle == paid.cycle
    assert rejected.payment_id == paid.payment_id
    [recorded] = w.uow.enrollments.rejected
    assert (recorded.local_date, recorded.detail) == (closed, "the provider is closed that date")


async def test_a_full_occurrence_and_a_past_one_are_rejected_not_dropped() -> None:
    w = await world(capacity=1)
    other = Person(uuid.uuid4())
    await w.deliver(w.cycle(1, *MARCH, mentee=other, subscription_id=uuid.uuid4()))
    w.uow.clock = datetime(2030, 3, 10, tzinfo=UTC)  # the 5th is past now
    await w.deliver(w.cycle(1, *MARCH))
    assert w.sessions() == []
    details = [r.detail for r in w.uow.enrollments.rejected]
    assert details == ["in the past", "no free seat", "no free seat", "no free seat"]
    assert len(w.uow.events(BookingRejected)) == 4


async def test_the_next_cycle_creates_the_next_sessions_and_leaves_the_previous_alone() -> None:
    w = await world()
    await w.deliver(w.cycle(1, *MARCH))
    before = {b.booking_id: b for b in w.sessions()}
    enrollment_id = w.enrollment().enrollment_id
    await w.deliver(w.cycle(2, *APRIL))
    after = w.sessions()
    assert len(after) == 4 + 5  # April 2030 has five Tuesdays
    assert all(after_b == before[after_b.booking_id] for after_b in after[:4])
    assert {b.cycle_number for b in after[4:]} == {2}
    assert w.enrollment().enrollment_id == enrollment_id  # stable across cycles
    assert w.enrollment().cycle_number == 2
    assert [c.amount_minor for c in w.uow.events(BookingConfirmed)[4:]] == [800] * 5


async def test_a_cycle_of_an_inactive_offering_is_rejected_whole() -> None:
    w = await world()
    w.uow.catalog.offerings[w.offering.offering_id].active = False
    paid = w.cycle(1, *MARCH)
    await w.deliver(paid)
    [rejected] = w.uow.events(BookingRejected)
    assert (rejected.reason, rejected.amount_minor, rejected.starts_at) == (
        "offering_gone", 4000, None,
    )  # fmt: skip
    assert w.sessions() == []


async def test_a_cycle_paid_after_its_unsubscribe_cancels_the_later_sessions_at_once() -> None:
    """Cross-topic order: the unsubscribe (subscriptions topic) overtook the cycle's payment
    (payments topic). The known state applies on arrival."""
    w = await world()
    unsub = datetime(2030, 3, 14, 9, tzinfo=UTC)
    await w.deliver(w.unsubscribe(unsub))
    await w.deliver(w.cycle(1, *MARCH))
    assert w.status() == [
        ("confirmed", None), ("confirmed", None),
        ("cancelled", "unsubscribed"), ("cancelled", "unsubscribed"),
    ]  # fmt: skip
    assert {b.cancelled_at for b in w.sessions()[2:]} == {unsub}
    # and the reactivation of that unsubscribe brings them back like any other
    await w.deliver(w.reactivate(unsub))
    assert all(b.status is BookingStatus.CONFIRMED for b in w.sessions())


async def test_a_subscriber_booking_never_heard_of_is_known_by_the_contact_payments_passes() -> (
    None
):
    from kairos_contracts.types import Person as Contact

    w = await world()
    stranger = Person(uuid.uuid4(), None, None)  # never called booking: no contact here
    contact = Contact(user_id=stranger.user_id, email="new@example.org", display_name="Nia")
    paid = w.cycle(1, *MARCH, mentee=stranger).model_copy(update={"mentee": contact})
    await w.deliver(paid)
    confirmed = w.uow.events(BookingConfirmed)
    assert confirmed and {c.mentee for c in confirmed} == {contact}
    known = await w.uow.people.get(stranger.user_id)
    assert known is not None and (known.email, known.display_name) == ("new@example.org", "Nia")


async def test_booking_events_carry_the_offerings_meeting_link() -> None:
    w = await world()
    w.offering.meeting_url = "https://meet.example.org/ada"
    await w.uow.catalog.save_offering(w.offering)
    await w.deliver(w.cycle(1, *MARCH))
    confirmed = w.uow.events(BookingConfirmed)
    assert confirmed
    assert {c.meeting_url for c in confirmed} == {"https://meet.example.org/ada"}
