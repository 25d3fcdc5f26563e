"""Reprobation and reactivation, booking's side, with fakes and a pinned clock: a
reprobation cancels the rest of the cycle (billing untouched), a cycle paid while reprobated
stays cancelled, and a reactivation restores the future sessions by UPDATE, never beyond the
paid cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kairos_booking.domain.model import BookingStatus
from kairos_booking.service_layer import reprobation
from kairos_contracts import Envelope, Event
from kairos_contracts import types as ct
from kairos_contracts.events.attendance import MenteeReactivated, MenteeReprobated
from kairos_contracts.events.booking import BookingCancelled, BookingRejected, BookingRestored

from .subscription_world import MENTOR, World, world

MARCH = (datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC))
APRIL = (datetime(2030, 4, 1, tzinfo=UTC), datetime(2030, 5, 1, tzinfo=UTC))
# Tuesdays 5, 12, 19, 26 March at 18:00 Madrid; reprobated after the 12th's session
REPROBATED_AT = datetime(2030, 3, 13, 9, tzinfo=UTC)


def _standing(w: World) -> dict[str, object]:
    """The fields MenteeReprobated and MenteeReactivated share."""
    e = w.enrollment()
    return dict(
        enrollment_id=e.enrollment_id, subscription_id=w.subscription_id,
        offering_id=w.offering.offering_id,
        mentee=ct.Person(user_id=w.mentee.user_id, email=w.mentee.email),
        provider=ct.Provider(provider_id=w.offering.provider_id, user_id=MENTOR),
        cycle=ct.BillingCycle(number=1, starts_at=MARCH[0], ends_at=MARCH[1]),
    )  # fmt: skip


def reprobated(w: World, at: datetime = REPROBATED_AT) -> MenteeReprobated:
    first_two = [b.booking_id for b in w.sessions()[:2]]
    return MenteeReprobated(
        **_standing(w), absent_booking_ids=first_two, consecutive_absences=2, reprobated_at=at
    )


def reactivated(w: World, undoes: datetime = REPROBATED_AT) -> MenteeReactivated:
    return MenteeReactivated(
        **_standing(w), undoes_reprobated_at=undoes, reactivated_by="mentor",
        reactivated_by_user_id=MENTOR, reactivated_at=w.uow.now(),
    )  # fmt: skip


async def deliver(w: World, event: Event) -> None:
    envelope = Envelope.wrap(event, source="attendance")
    if isinstance(event, MenteeReprobated):
        await reprobation.on_mentee_reprobated(event, envelope, w.uow)
    elif isinstance(event, MenteeReactivated):
        await reprobation.on_mentee_reactivated(event, envelope, w.uow)
    else:
        await w.deliver(event)
        return
    await w.uow.commit()


async def _reprobated() -> World:
    w = await world()
    await w.deliver(w.cycle(1, *MARCH))
    w.uow.clock = REPROBATED_AT + timedelta(minutes=1)
    await deliver(w, reprobated(w))
    return w


async def test_reprobation_cancels_the_rest_of_the_cycle_and_touches_no_money() -> None:
    w = await _reprobated()
    assert w.status() == [("confirmed", None)] * 2 + [("cancelled", "reprobated")] * 2
    cancelled = w.uow.events(BookingCancelled)
    assert [(e.reason, e.refund_amount_minor) for e in cancelled] == [("reprobated", 0)] * 2
    assert w.uow.events(BookingRejected) == []  # nothing credited back: billing continues
    assert w.enrollment().reprobated_at == REPROBATED_AT
    assert [w.uow.seats.taken(w.offering.offering_id, b.starts_at) for b in w.sessions()] == [
        1, 1, 0, 0,
    ]  # fmt: skip


async def test_the_same_reprobation_twice_cancels_nothing_more() -> None:
    w = await _reprobated()
    before = len(w.uow.committed)
    await deliver(w, reprobated(w))
    assert len(w.uow.committed) == before


async def test_a_cycle_paid_while_reprobated_is_created_cancelled() -> None:
    w = await _reprobated()
    await w.deliver(w.cycle(2, *APRIL))
    april = [b for b in w.sessions() if b.starts_at >= APRIL[0]]
    assert april and {(b.status, b.cancel_reason) for b in april} == {
        (BookingStatus.CANCELLED, "reprobated")
    }


async def test_reactivation_restores_future_sessions_by_update_only() -> None:
    w = await _reprobated()
    ids = [b.booking_id for b in w.sessions()]
    w.uow.clock = datetime(2030, 3, 20, 9, tzinfo=UTC)  # the 19th's session is past now
    await deliver(w, reactivated(w))
    assert [b.booking_id for b in w.sessions()] == ids  # nothing created
    assert w.status() == [("confirmed", None)] * 2 + [
        ("cancelled", "reprobated"),  # in the past: stays cancelled
        ("confirmed", None),
    ]
    restored = w.uow.events(BookingRestored)
    assert [(e.booking_id, e.cause) for e in restored] == [(ids[3], "reactivation")]
    assert w.enrollment().reprobated_at is None


async def test_reactivation_restores_later_paid_cycles_but_nothing_beyond() -> None:
    w = await _reprobated()
    await w.deliver(w.cycle(2, *APRIL))
    await deliver(w, reactivated(w))
    assert all(
        b.status is BookingStatus.CONFIRMED for b in w.sessions() if b.starts_at > w.uow.now()
    )
    assert max(b.starts_at for b in w.sessions()) < APRIL[1]


async def test_a_reactivation_of_another_reprobation_changes_nothing() -> None:
    w = await _reprobated()
    await deliver(w, reactivated(w, undoes=REPROBATED_AT - timedelta(days=1)))
    assert w.status()[2:] == [("cancelled", "reprobated")] * 2
    assert w.enrollment().reprobated_at == REPROBATED_AT
