"""Reprobation and reactivation across both services, each on its own real database,
events carried from one's outbox to the other's Dispatcher as the relay and consumer would:
booking's sessions reach attendance; two absences reprobate; booking cancels the rest of
the cycle (reason reprobated, nothing refunded, subscription untouched); only the
subscriber's mentor sees and reactivates them; booking restores the future sessions within
the cycle; the mentee is mailed. Both services read the same pinned clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from kairos_attendance.service_layer.sweep import sweep
from kairos_booking.bootstrap import bootstrap as booking_bootstrap
from kairos_booking.domain.model import Offering, OfferingKind, Person, Provider, WeeklyTime
from kairos_booking.service_layer.unit_of_work import ServiceUnitOfWork as BookingUnitOfWork
from kairos_contracts import Envelope
from kairos_contracts.events.booking import BookingRestored
from kairos_contracts.events.payments import PaymentVerified
from kairos_contracts.types import BillingCycle
from kairos_localstack.smtp_sink import SmtpSink
from kairos_platform.clock import Clock
from kairos_platform.messaging.consumer import Dispatcher
from kairos_platform.migrations import upgrade
from kairos_platform.service import Service
from kairos_platform.settings import ServiceSettings
from kairos_platform.testing_services import deliver, eventually

from .conftest import Att

pytestmark = pytest.mark.integration

CYCLE = BillingCycle(
    number=1,
    starts_at=datetime(2030, 1, 6, tzinfo=UTC),
    ends_at=datetime(2030, 2, 3, tzinfo=UTC),
)  # Tuesdays 8, 15, 22, 29 January at 18:00 Madrid (17:00 UTC)


@dataclass
class Booking:
    service: Service[BookingUnitOfWork]
    dispatcher: Dispatcher
    seen: set[uuid.UUID]

    async def deliver(self, env: Envelope) -> str:
        return str(await deliver(self.dispatcher, env))

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.service.engine.connect() as conn:
            return list(await conn.execute(text(sql), params))

    async def new_events(self) -> list[Envelope]:
        """Booking's outbox rows not handed over yet (what the relay would publish)."""
        rows = await self.rows("SELECT event_id, payload FROM outbox ORDER BY id")
        fresh = [r for r in rows if r.event_id not in self.seen]
        self.seen.update(r.event_id for r in fresh)
        return [Envelope.model_validate(r.payload) for r in fresh]


def _pinned(service: Service[BookingUnitOfWork], clock: Clock) -> Callable[[], BookingUnitOfWork]:
    def factory() -> BookingUnitOfWork:
        uow = service.uow_factory()
        uow._clock = clock  # what its now() reads
        return uow

    return factory


@pytest.fixture
async def booking(make_database: Callable[..., str], att: Att) -> AsyncIterator[Booking]:
    url = make_database("booking")
    service = booking_bootstrap(ServiceSettings(SERVICE_NAME="booking", DATABASE_URL=url))
    await asyncio.to_thread(upgrade, service.migrations, service.settings.sqlalchemy_url)
    dispatcher = Dispatcher(
        consumer="booking", uow_factory=_pinned(service, att.clock), handlers=service.handlers
    )
    yield Booking(service, dispatcher, set())
    await service.engine.dispose()


MENTOR_A, MENTOR_B = uuid.uuid4(), uuid.uuid4()
MENTEE = Person(uuid.uuid4(), "ana@example.org", "Ana")


async def _programme(b: Booking) -> Offering:
    provider = Provider(uuid.uuid4(), MENTOR_A, "Ada", "ada@example.org", "Europe/Madrid")
    offering = Offering(
        uuid.uuid4(), provider.provider_id, "Weekly mentoring", 60, 12000, "EUR", 4,
        kind=OfferingKind.RECURRING, pattern=(WeeklyTime(1, 18 * 60),),
    )  # fmt: skip
    async with b.service.uow_factory() as uow:
        await uow.catalog.add_provider(provider)
        await uow.catalog.add_offering(offering)
        await uow.people.remember(MENTEE)
        await uow.commit()
    return offering


async def _to_attendance(b: Booking, att: Att) -> list[Envelope]:
    events = await b.new_events()
    for env in events:
        if env.type.startswith("Booking") and env.type != "BookingRejected":
            assert str(await att.deliver(env)) == "handled"
    return events


async def _to_booking(att: Att, b: Booking, event_type: str) -> None:
    for env in await att.envelopes(event_type):
        assert await b.deliver(env) in ("handled", "duplicate")


async def test_reprobation_and_reactivation_across_booking_and_attendance(
    att: Att, booking: Booking, smtp_sink: SmtpSink
) -> None:
    offering = await _programme(booking)
    att.clock.now = CYCLE.starts_at
    paid = PaymentVerified(
        payment_id=uuid.uuid4(), method="subscription", mentee_id=MENTEE.user_id,
        offering_id=offering.offering_id, amount_minor=12000, currency="EUR",
        subscription_id=uuid.uuid4(), cycle=CYCLE, verified_at=CYCLE.starts_at,
    )  # fmt: skip
    assert await booking.deliver(Envelope.wrap(paid, source="payments")) == "handled"
    await _to_attendance(booking, att)
    sessions = await att.rows(
        "SELECT booking_id, starts_at, ends_at FROM sessions ORDER BY starts_at"
    )
    assert len(sessions) == 4

    # absent twice in a row: the sweep after each session's grace period
    for s in sessions[:2]:
        att.clock.now = s.ends_at + timedelta(minutes=16)
        await sweep(att.uows, att.ctx)
    [reprobated] = await att.outbox("MenteeReprobated")
    enrollment_id = reprobated["enrollment_id"]

    await _to_booking(att, booking, "MenteeReprobated")
    states = await booking.rows(
        "SELECT status, cancel_reason, refund_amount_minor FROM bookings ORDER BY starts_at"
    )
    assert [tuple(r) for r in states] == [("confirmed", None, None)] * 2 + [
        ("cancelled", "reprobated", 0)
    ] * 2
    after = await _to_attendance(booking, att)
    assert [e.type for e in after] == ["BookingCancelled"] * 2  # no refund, no rejection
    [enrollment] = await booking.rows("SELECT status, reprobated_at FROM enrollments")
    assert enrollment.status == "active" and enrollment.reprobated_at is not None

    # mentor B neither sees nor reactivates mentor A's subscriber
    b_token = att.auth(MENTOR_B, "mentor")
    assert (
        await att.client.get(f"/mentors/{MENTOR_A}/subscribers", headers=b_token)
    ).status_code == 403
    mine = await att.client.get("/mentors/me/subscribers", headers=b_token)
    assert mine.status_code == 200 and mine.json()["items"] == []
    refused = await att.client.post(f"/enrollments/{enrollment_id}/reactivate", headers=b_token)
    assert refused.status_code == 404
    assert await att.outbox("MenteeReactivated") == []

    # mentor A's dashboard
    a_token = att.auth(MENTOR_A, "mentor")
    board = (await att.client.get("/mentors/me/subscribers?limit=10", headers=a_token)).json()
    [row] = board["items"]
    assert (board["has_more"], row["status"], row["absences"], row["current_streak"]) == (
        False,
        "reprobated",
        2,
        2,
    )
    assert [s["attended"] for s in row["last_sessions"]] == [False, False]

    # mentor A reactivates, after the third session's start: only the fourth comes back
    att.clock.now = sessions[2].ends_at
    done = await att.client.post(f"/enrollments/{enrollment_id}/reactivate", headers=a_token)
    assert done.status_code == 200, done.text
    await _to_booking(att, booking, "MenteeReactivated")
    restored = await _to_attendance(booking, att)
    assert [(e.type, e.payload_as(BookingRestored).cause) for e in restored] == [
        ("BookingRestored", "reactivation")
    ]
    states = await booking.rows(
        "SELECT status, cancel_reason, starts_at FROM bookings ORDER BY starts_at"
    )
    assert [(r.status, r.cancel_reason) for r in states] == [
        ("confirmed", None), ("confirmed", None), ("cancelled", "reprobated"), ("confirmed", None),
    ]  # fmt: skip
    assert max(r.starts_at for r in states) < CYCLE.ends_at  # nothing beyond the cycle
    assert len(states) == 4  # restored by UPDATE, nothing created
    [enrollment] = await booking.rows("SELECT reprobated_at FROM enrollments")
    assert enrollment.reprobated_at is None
    again = await att.client.post(f"/enrollments/{enrollment_id}/reactivate", headers=a_token)
    assert again.status_code == 409  # not reprobated any more

    await att.send_mails()

    async def reactivation_mail() -> list[Any]:
        return [
            m for m in smtp_sink.messages() if m["To"] == MENTEE.email and "back in" in m["Subject"]
        ]

    [mail] = await eventually(reactivation_mail)
    body = mail.get_body(("plain",))
    assert body is not None and "reactivated you" in body.get_content()
