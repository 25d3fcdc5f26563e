"""Set-up steps shared by the integration tests (through the HTTP API)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from kairos_booking.domain.model import Hold, HoldStatus
from kairos_contracts import Envelope
from kairos_contracts.events.payments import PaymentVerified
from kairos_platform.messaging.consumer import ConsumerPolicy, Dispatcher, Record

from .conftest import Api

MENTOR = uuid.UUID("00000000-0000-0000-0000-00000000a001")
ADMIN = uuid.UUID("00000000-0000-0000-0000-0000000000ad")


def next_weekday(weekday: int, after: date | None = None) -> date:
    day = (after or date.today()) + timedelta(days=2)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


async def provider_with_offering(
    api: Api,
    *,
    zone: str = "Europe/Madrid",
    capacity: int = 3,
    hours: list[dict[str, Any]] | None = None,
    **offering: Any,
) -> tuple[str, str]:
    mentor = api.token(MENTOR, "mentor")
    made = await api.client.post(
        "/providers",
        json={"display_name": "Ada", "email": "ada@example.com", "time_zone": zone},
        headers=mentor,
    )
    assert made.status_code == 201, made.text
    provider_id = made.json()["provider_id"]
    weekly = hours or [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(7)]
    put = await api.client.put(
        f"/providers/{provider_id}/availability", json={"weekly": weekly}, headers=mentor
    )
    assert put.status_code == 204, put.text
    body = {"title": "Mentoring", "duration_min": 60, "price_minor": 5000, "currency": "EUR"}
    body |= {"capacity": capacity, **offering}
    created = await api.client.post(
        f"/providers/{provider_id}/offerings", json=body, headers=mentor
    )
    assert created.status_code == 201, created.text
    return provider_id, created.json()["offering_id"]


async def first_slot(api: Api, offering_id: str, day: date) -> str:
    got = await api.client.get(
        f"/offerings/{offering_id}/slots", params={"from": str(day), "to": str(day)}
    )
    assert got.status_code == 200, got.text
    return str(got.json()["slots"][0]["starts_at"])


async def hold(api: Api, mentee: uuid.UUID, offering_id: str, starts_at: str) -> httpx.Response:
    return await api.client.post(
        "/holds",
        json={"offering_id": offering_id, "starts_at": starts_at},
        headers=api.token(mentee, "mentee", email=f"{mentee.hex[:6]}@example.com", name="Mo"),
    )


def hold_of(row: Any) -> Hold:
    return Hold(**{k: row._mapping[k] for k in Hold.__dataclass_fields__})


def dispatcher(api: Api, *, batch: bool = False, **kw: Any) -> Dispatcher:
    """The service's Dispatcher with a quick policy; ``batch`` adds its batch handlers (as
    the consumer process has them), ``kw`` overrides (``batch_handlers``, ``on_outcome``)."""
    service = api.service
    return Dispatcher(
        consumer=service.consumer_group,
        uow_factory=service.uow_factory,
        handlers=service.handlers,
        policy=ConsumerPolicy(max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.05),
        **({"batch_handlers": service.batch_handlers} if batch else {}) | kw,
    )


def record(envelope: Envelope, offset: int = 0) -> Record:
    return Record(envelope.topic, 0, offset, envelope.key, envelope.to_json())


def verified(hold_id: str, mentee: uuid.UUID, offering_id: str, **kw: Any) -> Envelope:
    event = PaymentVerified(
        payment_id=kw.pop("payment_id", uuid.uuid4()),
        method="card",
        mentee_id=mentee,
        offering_id=uuid.UUID(offering_id),
        amount_minor=kw.pop("amount_minor", 5000),
        currency="EUR",
        hold_id=uuid.UUID(hold_id),
        verified_at=datetime.now(UTC),
        **kw,
    )
    return Envelope.wrap(event, source="payments")


async def booked(api: Api, mentee: uuid.UUID, offering_id: str, starts_at: str, **kw: Any) -> str:
    """``mentee`` holds the seat at ``starts_at`` and pays for it (PaymentVerified handled as
    the consumer handles it; ``kw`` goes into the event): the hold's id."""
    hold_id = str((await hold(api, mentee, offering_id, starts_at)).json()["hold_id"])
    await dispatcher(api).handle(record(verified(hold_id, mentee, offering_id, **kw)))
    return hold_id


async def expired_holds(api: Api, offering_id: str, starts_at: str, n: int) -> list[Hold]:
    """``n`` holds on one slot, each for its own mentee, already expired (as if they paid
    while the slot filled up): their payments need a seat again."""
    at = datetime.fromisoformat(starts_at)
    made: list[Hold] = []
    async with api.service.uow_factory() as uow:
        offering = await uow.catalog.get_offering(uuid.UUID(offering_id))
        assert offering is not None, offering_id
        for _ in range(n):
            h = Hold(
                uuid.uuid4(), offering.offering_id, offering.provider_id, uuid.uuid4(), at,
                at + offering.duration, 5000, "EUR", None, datetime.now(UTC),
                status=HoldStatus.EXPIRED,
            )  # fmt: skip
            await uow.holds.add(h)
            made.append(h)
        await uow.commit()
    return made
