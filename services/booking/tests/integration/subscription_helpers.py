"""A recurring programme over HTTP, the subscription events payments sends, and
Dispatchers with a pinned clock or an injected fault."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kairos_contracts import Envelope, Event
from kairos_contracts.events.payments import (
    PaymentVerified,
    SubscriptionCancelled,
    SubscriptionReactivated,
)
from kairos_contracts.types import BillingCycle
from kairos_platform.messaging.consumer import ConsumerPolicy, Dispatcher

from .booking_helpers import MENTOR, record


async def programme(api: Any, *, capacity: int = 4, weekday: int = 1) -> tuple[str, str]:
    """A Madrid mentor's programme: one session every <weekday> at 18:00 local, 60 min,
    120.00 EUR per monthly cycle."""
    mentor = api.token(MENTOR, "mentor")
    made = await api.client.post(
        "/providers",
        json={"display_name": "Ada", "email": "ada@example.com", "time_zone": "Europe/Madrid"},
        headers=mentor,
    )
    assert made.status_code == 201, made.text
    provider_id = made.json()["provider_id"]
    body = {
        "title": "Weekly mentoring", "duration_min": 60, "price_minor": 12000,
        "currency": "EUR", "capacity": capacity, "kind": "recurring",
        "pattern": [{"weekday": weekday, "time": "18:00"}],
    }  # fmt: skip
    created = await api.client.post(
        f"/providers/{provider_id}/offerings", json=body, headers=mentor
    )
    assert created.status_code == 201, created.text
    return provider_id, created.json()["offering_id"]


def _wrap(event: Event) -> Envelope:
    return Envelope.wrap(event, source="payments")


def cycle_paid(
    offering_id: str,
    mentee: uuid.UUID,
    subscription_id: uuid.UUID,
    number: int,
    start: datetime,
    end: datetime,
    *,
    payment_id: uuid.UUID | None = None,
    amount: int = 12000,
) -> Envelope:
    return _wrap(
        PaymentVerified(
            payment_id=payment_id or uuid.uuid4(),
            method="subscription",
            mentee_id=mentee,
            offering_id=uuid.UUID(offering_id),
            amount_minor=amount,
            currency="EUR",
            subscription_id=subscription_id,
            cycle=BillingCycle(number=number, starts_at=start, ends_at=end),
            stripe_invoice_id="in_123",
            verified_at=datetime.now(UTC),
        )
    )


def unsubscribed(
    offering_id: str, mentee: uuid.UUID, subscription_id: uuid.UUID, at: datetime
) -> Envelope:
    return _wrap(
        SubscriptionCancelled(
            subscription_id=subscription_id,
            mentee_id=mentee,
            offering_id=uuid.UUID(offering_id),
            unsubscribed_at=at,
            cancelled_by="mentee",
        )
    )


def reactivated(
    offering_id: str,
    mentee: uuid.UUID,
    subscription_id: uuid.UUID,
    undoes: datetime,
    by: str = "mentee",
) -> Envelope:
    return _wrap(
        SubscriptionReactivated(
            subscription_id=subscription_id,
            mentee_id=mentee,
            offering_id=uuid.UUID(offering_id),
            undoes_unsubscribed_at=undoes,
            reactivated_at=datetime.now(UTC),
            reactivated_by=by,
        )
    )


def anew(envelope: Envelope) -> Envelope:
    """The same event under a new event id (a producer that sent it twice)."""
    return _wrap(envelope.payload())


def dispatcher_with(api: Any, uow_factory: Callable[[], Any] | None = None) -> Dispatcher:
    service = api.service
    return Dispatcher(
        consumer=service.consumer_group,
        uow_factory=uow_factory or service.uow_factory,
        handlers=service.handlers,
        policy=ConsumerPolicy(max_attempts=2, backoff_base_s=0.01, backoff_max_s=0.05),
    )


def pinned(api: Any, now: datetime) -> Callable[[], Any]:
    """Units of work whose clock reads ``now`` (handlers never read the wall clock)."""

    def factory() -> Any:
        uow = api.service.uow_factory()
        uow.now = lambda: now
        return uow

    return factory


async def deliver(api: Any, envelope: Envelope, factory: Callable[[], Any] | None = None) -> str:
    return str(await dispatcher_with(api, factory).handle(record(envelope)))


def next_march_change() -> tuple[datetime, datetime, date]:
    """A cycle [15 March, 15 April) UTC of next year and that year's last Sunday of March
    (Europe's spring change), always in the future."""
    year = datetime.now(UTC).year + 1
    sunday = date(year, 3, 31)
    sunday -= timedelta(days=(sunday.weekday() - 6) % 7)
    return datetime(year, 3, 15, tzinfo=UTC), datetime(year, 4, 15, tzinfo=UTC), sunday
