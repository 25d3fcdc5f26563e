"""Unsubscribe and reactivation through the real Dispatcher and PostgreSQL: unsubscribe
cancels the future sessions; reactivation restores exactly those in one transaction (a
failure in the middle restores none), visible at once in the mentee's upcoming sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_booking.adapters.bookings_repository import SqlBookingRepository
from kairos_booking.domain.model import Booking

from .subscription_helpers import (
    anew,
    cycle_paid,
    deliver,
    next_march_change,
    pinned,
    programme,
    reactivated,
    unsubscribed,
)

pytestmark = pytest.mark.integration

MADRID = ZoneInfo("Europe/Madrid")


async def _states(api: Any, mentee: uuid.UUID) -> list[tuple[str, str | None]]:
    rows = await api.rows(
        "SELECT status, cancel_reason FROM bookings WHERE mentee_id = :m ORDER BY starts_at",
        m=mentee,
    )
    return [(r.status, r.cancel_reason) for r in rows]


async def _subscribed(api: Any) -> tuple[str, uuid.UUID, uuid.UUID, int]:
    """A mentee with a paid cycle of sessions all in the future (real clock)."""
    _, offering_id = await programme(api)
    mentee, subscription = uuid.uuid4(), uuid.uuid4()
    start = datetime.now(UTC) + timedelta(days=1)
    paid = cycle_paid(offering_id, mentee, subscription, 1, start, start + timedelta(days=28))
    assert await deliver(api, paid) == "handled"
    n = await api.count("bookings")
    assert n >= 3  # four Tuesdays in 28 days (a DST edge could shift one out)
    return offering_id, mentee, subscription, n


async def test_unsubscribe_cancels_and_reactivation_restores_them_visibly_at_once(
    api: Any,
) -> None:
    offering_id, mentee, subscription, n = await _subscribed(api)
    me = api.token(mentee, "mentee")
    at = datetime.now(UTC)
    await deliver(api, unsubscribed(offering_id, mentee, subscription, at))
    assert await _states(api, mentee) == [("cancelled", "unsubscribed")] * n
    cancelled = await api.outbox("BookingCancelled")
    assert {(c["reason"], c["refund_amount_minor"]) for c in cancelled} == {("unsubscribed", 0)}
    listed = (await api.client.get("/me/bookings", headers=me)).json()["items"]
    assert {b["status"] for b in listed} == {"cancelled"}
    [enrollment] = (await api.client.get("/me/enrollments", headers=me)).json()
    assert (enrollment["status"], enrollment["upcoming_sessions"]) == ("unsubscribed", [])
    ids_before = [r.booking_id for r in await api.rows("SELECT booking_id FROM bookings")]

    react = reactivated(offering_id, mentee, subscription, at)
    assert await deliver(api, react) == "handled"

    assert await _states(api, mentee) == [("confirmed", None)] * n
    listed = (await api.client.get("/me/bookings", headers=me)).json()["items"]
    assert [(b["status"], b["sequence"], b["cancelled_at"]) for b in listed] == [
        ("confirmed", 2, None)
    ] * n
    [enrollment] = (await api.client.get("/me/enrollments", headers=me)).json()
    assert enrollment["status"] == "active" and len(enrollment["upcoming_sessions"]) == n
    restored = await api.outbox("BookingRestored")
    assert [r["booking_id"] for r in restored] == [b["booking_id"] for b in listed]
    assert {r["cause"] for r in restored} == {"unsubscribe_undone"}
    assert {datetime.fromisoformat(r["previously_cancelled_at"]) for r in restored} == {at}
    # updates, not inserts: the same rows
    assert [r.booking_id for r in await api.rows("SELECT booking_id FROM bookings")] == ids_before
    assert [r.taken for r in await api.rows("SELECT taken FROM slot_seats")] == [1] * n

    # the same reactivation delivered twice: the inbox drops the copy, and the same
    # event under a new id finds nothing left to undo
    assert await deliver(api, react) == "duplicate"
    assert await deliver(api, anew(react)) == "handled"
    assert len(await api.outbox("BookingRestored")) == n
    assert await _states(api, mentee) == [("confirmed", None)] * n


class _FailingMidway(SqlBookingRepository):
    """A booking repository that breaks after restoring two rows (test-only fault)."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.restored = 0

    async def save(self, booking: Booking) -> None:
        await super().save(booking)
        if booking.status == "confirmed":
            self.restored += 1
            if self.restored == 2:
                raise RuntimeError("injected fault after restoring two sessions")


def _faulty(api: Any) -> Any:
    def factory() -> Any:
        uow = api.service.uow_factory()
        opened = uow._open

        def _open(session: AsyncSession) -> None:
            opened(session)
            uow.bookings = _FailingMidway(session)

        uow._open = _open
        return uow

    return factory


async def _assert_nothing_restored(api: Any, mentee: uuid.UUID, n: int) -> None:
    assert await _states(api, mentee) == [("cancelled", "unsubscribed")] * n
    assert await api.outbox("BookingRestored") == []
    [enrollment] = await api.rows("SELECT status, unsubscribed_at FROM enrollments")
    assert enrollment.status == "unsubscribed"
    assert [r.taken for r in await api.rows("SELECT taken FROM slot_seats")] == [0] * n


async def test_a_fault_in_the_middle_of_a_reactivation_restores_none(api: Any) -> None:
    offering_id, mentee, subscription, n = await _subscribed(api)
    at = datetime.now(UTC)
    await deliver(api, unsubscribed(offering_id, mentee, subscription, at))
    react = reactivated(offering_id, mentee, subscription, at)

    assert await deliver(api, react, _faulty(api)) == "dead_lettered"

    await _assert_nothing_restored(api, mentee, n)
    assert len(await api.rows("SELECT 1 FROM outbox WHERE event_type = 'DeadLetter'")) == 1
    # replayed from the dead-letter topic once fixed (a new delivery): all of them at once
    assert await deliver(api, anew(react)) == "handled"
    assert await _states(api, mentee) == [("confirmed", None)] * n


REFUSE_RESTORE = """
CREATE FUNCTION refuse_restore() RETURNS trigger AS $$ BEGIN
  IF NEW.booking_id = ':id' AND NEW.status = 'confirmed' THEN
    RAISE EXCEPTION 'injected refusal';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""
REFUSE_TRIGGER = """
CREATE TRIGGER refuse_restore BEFORE UPDATE ON bookings
  FOR EACH ROW EXECUTE FUNCTION refuse_restore()
"""


async def test_a_database_refusal_in_the_middle_restores_none(api: Any) -> None:
    offering_id, mentee, subscription, n = await _subscribed(api)
    at = datetime.now(UTC)
    await deliver(api, unsubscribed(offering_id, mentee, subscription, at))
    [third] = await api.rows("SELECT booking_id FROM bookings ORDER BY starts_at OFFSET 2 LIMIT 1")
    # a test-only trigger that refuses the third session's way back
    async with api.service.engine.begin() as conn:
        await conn.execute(text(REFUSE_RESTORE.replace(":id", str(third.booking_id))))
        await conn.execute(text(REFUSE_TRIGGER))
    react = reactivated(offering_id, mentee, subscription, at)

    assert await deliver(api, react) == "dead_lettered"

    await _assert_nothing_restored(api, mentee, n)


@pytest.mark.parametrize(
    ("local_now", "expected"),
    [((17, 30), ("confirmed", None)), ((18, 30), ("cancelled", "unsubscribed"))],
    ids=["later-today-is-restored", "earlier-today-stays-cancelled"],
)
async def test_today_is_the_providers_today(
    api: Any, local_now: tuple[int, int], expected: tuple[str, str | None]
) -> None:
    """Pinned clocks: on the day of an 18:00 (Madrid) session, a reactivation at 17:30
    brings it back; at 18:30 it has started and stays cancelled."""
    _, offering_id = await programme(api, weekday=1)
    start, end, _ = next_march_change()
    mentee, subscription = uuid.uuid4(), uuid.uuid4()
    before = pinned(api, start - timedelta(days=1))
    await deliver(api, cycle_paid(offering_id, mentee, subscription, 1, start, end), before)
    at = start - timedelta(hours=1)
    await deliver(api, unsubscribed(offering_id, mentee, subscription, at), before)
    [first] = await api.rows(
        "SELECT local_date FROM bookings WHERE mentee_id = :m ORDER BY starts_at LIMIT 1",
        m=mentee,
    )
    now = datetime.combine(first.local_date, time(*local_now), tzinfo=MADRID).astimezone(UTC)
    await deliver(api, reactivated(offering_id, mentee, subscription, at), pinned(api, now))
    states = await _states(api, mentee)
    assert states[0] == expected
    assert set(states[1:]) == {("confirmed", None)}
