"""Unsubscribe and reactivation with fakes and a pinned clock: unsubscribe cancels the
future sessions; reactivation restores exactly those, and nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kairos_booking.domain.model import BookingStatus, EnrollmentStatus, Person
from kairos_booking.service_layer import bookings
from kairos_contracts.events.booking import BookingCancelled, BookingRejected, BookingRestored
from kairos_platform.auth import Principal

from .subscription_world import World, world

MARCH = (datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC))
UNSUB = datetime(2030, 3, 8, 9, tzinfo=UTC)  # after the 5th, before the 12th
CANCELLED_BY_UNSUB = [
    ("confirmed", None),
    ("cancelled", "unsubscribed"),
    ("cancelled", "unsubscribed"),
    ("cancelled", "unsubscribed"),
]
ALL_CONFIRMED = [("confirmed", None)] * 4


async def _subscribed(capacity: int = 2) -> World:
    """Paid for March (Tuesdays 5, 12, 19, 26 at 18:00 Madrid), the clock on the 8th."""
    w = await world(capacity)
    await w.deliver(w.cycle(1, *MARCH))
    w.uow.clock = UNSUB + timedelta(minutes=1)
    return w


def _seats(w: World) -> list[int]:
    return [w.uow.seats.taken(w.offering.offering_id, b.starts_at) for b in w.sessions()]


async def test_unsubscribing_cancels_every_future_session() -> None:
    w = await _subscribed()
    await w.deliver(w.unsubscribe(UNSUB, by="mentee"))
    assert w.status() == CANCELLED_BY_UNSUB
    cancelled = w.sessions()[1:]
    assert {(b.cancelled_at, b.cancelled_by, b.refund_amount_minor) for b in cancelled} == {
        (UNSUB, "mentee", 0)
    }
    events = w.uow.events(BookingCancelled)
    assert [(e.reason, e.refund_amount_minor, e.sequence) for e in events] == [
        ("unsubscribed", 0, 1)
    ] * 3
    assert _seats(w) == [1, 0, 0, 0]
    enrollment = w.enrollment()
    assert (enrollment.status, enrollment.unsubscribed_at) == (EnrollmentStatus.UNSUBSCRIBED, UNSUB)


async def test_reactivating_restores_exactly_those_sessions_as_updates() -> None:
    w = await _subscribed()
    await w.deliver(w.unsubscribe(UNSUB))
    ids = [b.booking_id for b in w.sessions()]
    await w.deliver(w.reactivate(UNSUB))
    assert w.status() == ALL_CONFIRMED
    assert [b.booking_id for b in w.sessions()] == ids  # the same rows, none added
    restored = w.sessions()[1:]
    assert {(b.cancelled_at, b.cancelled_by, b.refund_amount_minor) for b in restored} == {
        (None, None, None)
    }
    events = w.uow.events(BookingRestored)
    assert [e.booking_id for e in events] == ids[1:]
    assert {(e.cause, e.previously_cancelled_at, e.sequence) for e in events} == {
        ("unsubscribe_undone", UNSUB, 2)
    }
    assert _seats(w) == [1, 1, 1, 1]
    assert w.enrollment().status is EnrollmentStatus.ACTIVE
    assert w.enrollment().unsubscribed_at is None
    upcoming = await w.uow.bookings.upcoming_of(w.enrollment().enrollment_id, w.uow.now())
    assert [b.booking_id for b in upcoming] == ids[1:]


async def test_a_manual_cancellation_after_the_unsubscribe_time_stays_cancelled() -> None:
    w = await _subscribed()
    twelfth = w.sessions()[1]
    me = Principal(w.mentee.user_id, frozenset({"mentee"}))
    w.uow.clock = UNSUB + timedelta(hours=1)  # cancelled by hand after the unsubscribe time
    await bookings.cancel_booking(w.uow, me, twelfth.booking_id, "ill")
    await w.deliver(w.unsubscribe(UNSUB))  # the unsubscribe event arrives later
    await w.deliver(w.reactivate(UNSUB))
    assert w.status() == [
        ("confirmed", None), ("cancelled", "by_mentee"), ("confirmed", None), ("confirmed", None),
    ]  # fmt: skip


async def test_a_session_cancelled_before_the_unsubscribe_time_stays_cancelled() -> None:
    w = await _subscribed()
    twelfth = w.sessions()[1]
    mentor = Principal(w.uow.catalog.providers[w.offering.provider_id].user_id, frozenset())
    w.uow.clock = UNSUB - timedelta(hours=1)
    await bookings.cancel_booking(w.uow, mentor, twelfth.booking_id, None)
    w.uow.clock = UNSUB + timedelta(hours=1)
    await w.deliver(w.unsubscribe(UNSUB))
    await w.deliver(w.reactivate(UNSUB))
    assert w.status() == [
        ("confirmed", None), ("cancelled", "by_mentor"), ("confirmed", None), ("confirmed", None),
    ]  # fmt: skip


async def test_a_session_earlier_today_in_the_providers_zone_stays_cancelled() -> None:
    w = await _subscribed()
    await w.deliver(w.unsubscribe(UNSUB))
    w.uow.clock = datetime(2030, 3, 12, 17, 30, tzinfo=UTC)  # Tuesday 18:30 in Madrid
    await w.deliver(w.reactivate(UNSUB))
    assert w.status() == [
        ("confirmed", None),
        ("cancelled", "unsubscribed"),
        ("confirmed", None),
        ("confirmed", None),
    ]


async def test_a_session_later_today_in_the_providers_zone_is_restored() -> None:
    w = await _subscribed()
    await w.deliver(w.unsubscribe(UNSUB))
    w.uow.clock = datetime(2030, 3, 12, 16, 30, tzinfo=UTC)  # Tuesday 17:30 in Madrid
    await w.deliver(w.reactivate(UNSUB))
    assert w.status() == ALL_CONFIRMED


async def test_a_second_unsubscribe_and_reactivate_round() -> None:
    w = await _subscribed()
    await w.deliver(w.unsubscribe(UNSUB))
    await w.deliver(w.reactivate(UNSUB))
    second = UNSUB + timedelta(days=2)
    w.uow.clock = second + timedelta(minutes=1)
    await w.deliver(w.unsubscribe(second))
    assert w.status() == CANCELLED_BY_UNSUB
    assert {b.cancelled_at for b in w.sessions()[1:]} == {second}
    await w.deliver(w.reactivate(second))
    assert w.status() == ALL_CONFIRMED
    assert [b.sequence for b in w.sessions()] == [0, 4, 4, 4]
    assert len(w.uow.events(BookingRestored)) == 6


async def test_the_same_reactivation_delivered_twice_restores_once() -> None:
    w = await _subscribed()
    await w.deliver(w.unsubscribe(UNSUB))
    again = w.reactivate(UNSUB)
    await w.deliver(again)
    await w.deliver(again.model_copy())  # payments sent it again (a new event id)
    assert w.status() == ALL_CONFIRMED
    assert [b.sequence for b in w.sessions()] == [0, 2, 2, 2]
    assert len(w.uow.events(BookingRestored)) == 3


async def test_a_stale_reactivation_does_not_undo_a_later_unsubscribe() -> None:
    w = await _subscribed()
    await w.deliver(w.unsubscribe(UNSUB))
    await w.deliver(w.reactivate(UNSUB))
    second = UNSUB + timedelta(days=1)
    await w.deliver(w.unsubscribe(second))
    await w.deliver(w.reactivate(UNSUB))  # the old one, replayed
    assert w.status() == CANCELLED_BY_UNSUB


async def test_the_admin_path_and_the_mentee_path_give_identical_results() -> None:
    outcomes = []
    for by in ("mentee", "admin"):
        w = await _subscribed()
        await w.deliver(w.unsubscribe(UNSUB, by=by))
        await w.deliver(w.reactivate(UNSUB, by=by))
        restored = w.uow.events(BookingRestored)
        outcomes.append(
            (
                w.status(),
                [(b.sequence, b.starts_at, b.cancelled_at) for b in w.sessions()],
                [(e.cause, e.sequence, e.previously_cancelled_at) for e in restored],
            )
        )
    assert outcomes[0] == outcomes[1]


async def test_a_seat_taken_while_unsubscribed_is_not_restored_and_is_reported() -> None:
    w = await _subscribed(capacity=1)
    paid_by = w.sessions()[0].payment_id
    await w.deliver(w.unsubscribe(UNSUB))
    other = Person(uuid.uuid4())  # takes the freed seats meanwhile
    await w.deliver(w.cycle(1, *MARCH, mentee=other, subscription_id=uuid.uuid4()))
    assert len(w.sessions(other)) == 3
    await w.deliver(w.reactivate(UNSUB))
    assert w.status() == CANCELLED_BY_UNSUB
    assert w.uow.events(BookingRestored) == []
    lost = [e for e in w.uow.events(BookingRejected) if e.payment_id == paid_by]
    assert [(e.reason, e.amount_minor) for e in lost] == [("occurrence_unavailable", 1000)] * 3
    assert [r.booking_id for r in w.uow.enrollments.rejected if r.payment_id == paid_by] == [
        b.booking_id for b in w.sessions()[1:]
    ]
    assert w.enrollment().status is EnrollmentStatus.ACTIVE
    # a later round never brings them back: they were cancelled before its unsubscribe time
    second = UNSUB + timedelta(days=1)
    for b in w.sessions(other):
        w.uow.seats.rows[(b.offering_id, b.starts_at)][1] = 0  # the seats are free again
    await w.deliver(w.unsubscribe(second))
    await w.deliver(w.reactivate(second))
    assert w.status() == CANCELLED_BY_UNSUB


async def test_an_unsubscribe_at_the_cycles_end_cancels_none_of_its_sessions() -> None:
    w = await _subscribed()
    await w.deliver(w.unsubscribe(datetime(2030, 4, 1, tzinfo=UTC)))
    assert all(b.status is BookingStatus.CONFIRMED for b in w.sessions())
