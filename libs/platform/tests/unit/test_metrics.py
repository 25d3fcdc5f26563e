from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any, cast

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client import REGISTRY

from kairos_platform.health import Check, Readiness
from kairos_platform.http import create_app
from kairos_platform.metrics import (
    UNMATCHED_ROUTE,
    ConsumerOutcome,
    count_calendar_connection_broken,
    count_consumer_message,
    count_reconciliation_repairs,
    count_relay_published,
    count_webhook_signature_failure,
    observe_handler,
    set_consumer_lag,
    set_mail_queue_oldest_age,
    set_outbox_backlog,
    start_metrics_server,
    time_handler,
)
from kairos_platform.settings import ServiceSettings


def _service() -> str:
    # A fresh service label per test keeps the global registry's counters independent.
    return f"svc-{uuid.uuid4().hex[:8]}"


def _value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def _app(service: str) -> FastAPI:
    items = APIRouter(prefix="/items")

    @items.get("/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @items.get("/{item_id}/explode")
    async def explode(item_id: int) -> None:
        raise RuntimeError("boom")

    app = create_app(ServiceSettings(SERVICE_NAME=service), title="t")
    app.include_router(items, prefix="/api")
    return app


async def _client_get(app: FastAPI, *paths: str) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return [await client.get(p) for p in paths]


async def test_request_latency_labelled_by_route_template() -> None:
    service = _service()
    app = _app(service)
    await _client_get(app, "/api/items/1", "/api/items/2", "/api/items/3")
    (metrics,) = await _client_get(app, "/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    labels = dict(service=service, method="GET", route="/api/items/{item_id}", status="200")
    assert _value("http_request_duration_seconds_count", **labels) == 3
    assert 'route="/api/items/{item_id}"' in text
    assert "/api/items/1" not in text  # never the raw path


async def test_unmatched_validation_and_error_statuses() -> None:
    service = _service()
    app = _app(service)
    await _client_get(app, "/no/such/thing", "/api/items/abc", "/api/items/5/explode")

    def count(route: str, status: str) -> float | None:
        return _value(
            "http_request_duration_seconds_count",
            service=service,
            method="GET",
            route=route,
            status=status,
        )

    assert count(UNMATCHED_ROUTE, "404") == 1
    assert count("/api/items/{item_id}", "422") == 1
    assert count("/api/items/{item_id}/explode", "500") == 1


def test_outbox_and_lag_gauges() -> None:
    service = _service()
    set_outbox_backlog(service, 12, 4.5)
    assert _value("outbox_backlog", service=service) == 12
    assert _value("outbox_oldest_age_seconds", service=service) == 4.5
    set_outbox_backlog(service, 0, None)
    assert _value("outbox_backlog", service=service) == 0
    assert _value("outbox_oldest_age_seconds", service=service) == 0
    set_consumer_lag(service, "booking-payments", "payments", 3, 17)
    labels = dict(service=service, group="booking-payments", topic="payments", partition="3")
    assert _value("consumer_lag", **labels) == 17
    set_consumer_lag(service, "booking-payments", "payments", 3, -2)
    assert _value("consumer_lag", **labels) == 0


def test_counters() -> None:
    service = _service()
    count_relay_published(service, "booking", 5)
    count_relay_published(service, "booking")
    assert _value("relay_published_total", service=service, topic="booking") == 6
    outcomes: tuple[ConsumerOutcome, ...] = ("ok", "ok", "duplicate", "retried", "dead_lettered")
    for outcome in outcomes:
        count_consumer_message(service, "c", "BookingCreated", outcome)
    labels = dict(service=service, consumer="c", event_type="BookingCreated")
    assert _value("consumer_messages_total", **labels, outcome="ok") == 2
    assert _value("consumer_messages_total", **labels, outcome="dead_lettered") == 1
    with pytest.raises(ValueError, match="outcome"):
        count_consumer_message(service, "c", "X", cast(Any, "exploded"))


def test_handler_duration() -> None:
    service = _service()
    labels = dict(service=service, consumer="c", event_type="PaymentVerified")
    observe_handler(service, "c", "PaymentVerified", "ok", 0.25)
    assert _value("handler_duration_seconds_sum", **labels, outcome="ok") == 0.25

    with time_handler(service, "c", "PaymentVerified") as t:
        t.outcome = "duplicate"
    assert _value("handler_duration_seconds_count", **labels, outcome="duplicate") == 1

    with pytest.raises(RuntimeError), time_handler(service, "c", "PaymentVerified"):
        raise RuntimeError("db down")
    assert _value("handler_duration_seconds_count", **labels, outcome="retried") == 1
    assert _value("handler_duration_seconds_count", **labels, outcome="ok") == 1


async def test_metrics_server_for_non_http_processes() -> None:
    broker_up = True

    async def broker() -> bool:
        return broker_up

    readiness = Readiness([Check("broker", broker)])
    server = await start_metrics_server(0, readiness, host="127.0.0.1", service="relay")
    try:
        assert server.port > 0
        set_outbox_backlog("relay-test", 3, 1.0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            metrics = await client.get("/metrics")
            assert metrics.status_code == 200
            assert 'outbox_backlog{service="relay-test"} 3.0' in metrics.text
            assert (await client.get("/health/live")).status_code == 200
            assert (await client.get("/health/ready")).status_code == 200
            broker_up = False
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json()["failed"] == ["broker"]
    finally:
        await server.stop()
    assert server.task.done()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{server.port}/health/live")


async def test_metrics_server_port_in_use_raises() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        with pytest.raises(OSError):
            await start_metrics_server(taken.getsockname()[1], host="127.0.0.1")
    finally:
        taken.close()
    await asyncio.sleep(0)


def test_alerted_counters_and_the_mail_queue_gauge() -> None:
    svc = _service()
    count_webhook_signature_failure(svc, "stripe")
    count_webhook_signature_failure(svc, "stripe")
    count_reconciliation_repairs(svc, "missed_event", 3)
    count_reconciliation_repairs(svc, "refund", 0)  # nothing repaired: no series
    count_calendar_connection_broken(svc)
    set_mail_queue_oldest_age(svc, 42.5)
    assert _value("webhook_signature_failures_total", service=svc, provider="stripe") == 2
    assert _value("reconciliation_repairs_total", service=svc, kind="missed_event") == 3
    assert _value("reconciliation_repairs_total", service=svc, kind="refund") is None
    assert _value("calendar_connections_broken_total", service=svc) == 1
    assert _value("mail_queue_oldest_age_seconds", service=svc) == 42.5
    set_mail_queue_oldest_age(svc, None)  # the queue emptied
    assert _value("mail_queue_oldest_age_seconds", service=svc) == 0


class _Mails:
    """Answers ``ages`` in turn, noting the gauge as each measure starts."""

    def __init__(self, service: str, ages: list[float | None]) -> None:
        self.service, self.ages, self.gauge_seen = service, ages, list[float | None]()

    async def oldest_unsent_age_s(self) -> float | None:
        self.gauge_seen.append(_value("mail_queue_oldest_age_seconds", service=self.service))
        return self.ages.pop(0)


class _Uow:
    def __init__(self, mails: object) -> None:
        if mails is not None:
            self.mails = mails

    async def __aenter__(self) -> _Uow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


async def test_the_consumer_measures_its_mail_queue_and_skips_a_service_without_one() -> None:
    from types import SimpleNamespace

    from kairos_platform.runtime import watch_mail_queue

    svc, stop = _service(), asyncio.Event()
    mails = _Mails(svc, [120.0, None])

    def uow() -> _Uow:
        if len(mails.ages) == 1:
            stop.set()  # the second pass is the last
        return _Uow(mails)

    service = cast(Any, SimpleNamespace(name=svc, uow_factory=uow))
    await asyncio.wait_for(watch_mail_queue(service, stop, interval_s=0.01), 5)
    assert mails.gauge_seen == [None, 120.0]
    assert _value("mail_queue_oldest_age_seconds", service=svc) == 0  # emptied

    other = cast(Any, SimpleNamespace(name=_service(), uow_factory=lambda: _Uow(None)))
    await asyncio.wait_for(watch_mail_queue(other, asyncio.Event(), interval_s=0.01), 5)
