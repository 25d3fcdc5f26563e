"""Prometheus metrics, defined once for every process of every service.

HTTP request latency is recorded by :class:`MetricsMiddleware` (labelled by the route
*template*, ``/offerings/{offering_id}``, never the raw path). Consumers, the relay and
whoever measures the outbox call the small functions below; they never create metrics
of their own with the same names.

Non-HTTP processes (consumer, relay) expose ``/metrics`` and health on a small port with
:func:`start_metrics_server`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, FastAPI
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

from kairos_platform.health import Readiness, ReadinessCheck, health_router
from kairos_platform.problems import install_problem_handlers

__all__ = [
    "CALENDAR_CONNECTIONS_BROKEN",
    "CONSUMER_LAG",
    "CONSUMER_MESSAGES",
    "CONSUMER_OUTCOMES",
    "HANDLER_DURATION",
    "HTTP_REQUEST_DURATION",
    "MAIL_QUEUE_OLDEST_AGE",
    "OUTBOX_BACKLOG",
    "OUTBOX_OLDEST_AGE",
    "RECONCILIATION_REPAIRS",
    "RELAY_PUBLISHED",
    "UNMATCHED_ROUTE",
    "WEBHOOK_SIGNATURE_FAILURES",
    "ConsumerOutcome",
    "MetricsMiddleware",
    "MetricsServer",
    "count_calendar_connection_broken",
    "count_consumer_message",
    "count_reconciliation_repairs",
    "count_relay_published",
    "count_webhook_signature_failure",
    "metrics_response",
    "metrics_router",
    "observe_handler",
    "route_template",
    "set_consumer_lag",
    "set_mail_queue_oldest_age",
    "set_outbox_backlog",
    "start_metrics_server",
    "time_handler",
]

log = logging.getLogger("kairos.metrics")

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["service", "method", "route", "status"],
    buckets=_LATENCY_BUCKETS,
)
HANDLER_DURATION = Histogram(
    "handler_duration_seconds",
    "Event handler latency, one observation per delivery attempt.",
    ["service", "consumer", "event_type", "outcome"],
    buckets=_LATENCY_BUCKETS,
)
OUTBOX_BACKLOG = Gauge(
    "outbox_backlog",
    "Outbox rows not yet published.",
    ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row (0 when the outbox is empty).",
    ["service"],
)
CONSUMER_LAG = Gauge(
    "consumer_lag",
    "Messages between the group's committed offset and the partition's end.",
    ["service", "group", "topic", "partition"],
)
RELAY_PUBLISHED = Counter(
    "relay_published_total",
    "Outbox rows published to the broker by the relay.",
    ["service", "topic"],
)
CONSUMER_MESSAGES = Counter(
    "consumer_messages_total",
    "Messages a consumer finished with, by outcome.",
    ["service", "consumer", "event_type", "outcome"],
)

WEBHOOK_SIGNATURE_FAILURES = Counter(
    "webhook_signature_failures_total",
    "Webhook deliveries refused because their signature is missing, forged or too old.",
    ["service", "provider"],
)
RECONCILIATION_REPAIRS = Counter(
    "reconciliation_repairs_total",
    "Things a reconciliation pass found missed and repaired (a webhook that never came, "
    "a Stripe call left half-way, a calendar entry drifted), by kind.",
    ["service", "kind"],
)
CALENDAR_CONNECTIONS_BROKEN = Counter(
    "calendar_connections_broken_total",
    "Calendar connections marked broken after failing too many times in a row.",
    ["service"],
)
MAIL_QUEUE_OLDEST_AGE = Gauge(
    "mail_queue_oldest_age_seconds",
    "Age of the oldest mail of the mail queue not yet sent (0 when none is waiting).",
    ["service"],
)

ConsumerOutcome = Literal["ok", "duplicate", "retried", "dead_lettered"]
CONSUMER_OUTCOMES: frozenset[str] = frozenset({"ok", "duplicate", "retried", "dead_lettered"})

UNMATCHED_ROUTE = "<unmatched>"


# --- functions the consumer / relay / outbox code calls ------------------------------------


def set_outbox_backlog(service: str, backlog: int, oldest_age_seconds: float | None) -> None:
    """Record the outbox's unpublished row count and its oldest row's age (None = empty)."""
    OUTBOX_BACKLOG.labels(service=service).set(backlog)
    OUTBOX_OLDEST_AGE.labels(service=service).set(oldest_age_seconds or 0.0)


def set_consumer_lag(service: str, group: str, topic: str, partition: int, lag: int) -> None:
    CONSUMER_LAG.labels(service=service, group=group, topic=topic, partition=str(partition)).set(
        max(lag, 0)
    )


def count_relay_published(service: str, topic: str, n: int = 1) -> None:
    if n:
        RELAY_PUBLISHED.labels(service=service, topic=topic).inc(n)


def count_webhook_signature_failure(service: str, provider: str) -> None:
    WEBHOOK_SIGNATURE_FAILURES.labels(service=service, provider=provider).inc()


def count_reconciliation_repairs(service: str, kind: str, n: int = 1) -> None:
    if n > 0:
        RECONCILIATION_REPAIRS.labels(service=service, kind=kind).inc(n)


def count_calendar_connection_broken(service: str) -> None:
    CALENDAR_CONNECTIONS_BROKEN.labels(service=service).inc()


def set_mail_queue_oldest_age(service: str, oldest_age_seconds: float | None) -> None:
    """Record the mail queue's oldest unsent mail's age (None = nothing waiting)."""
    MAIL_QUEUE_OLDEST_AGE.labels(service=service).set(oldest_age_seconds or 0.0)


def _check_outcome(outcome: str) -> None:
    if outcome not in CONSUMER_OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(CONSUMER_OUTCOMES)}, not {outcome!r}")


def count_consumer_message(
    service: str, consumer: str, event_type: str, outcome: ConsumerOutcome
) -> None:
    _check_outcome(outcome)
    CONSUMER_MESSAGES.labels(
        service=service, consumer=consumer, event_type=event_type, outcome=outcome
    ).inc()


def observe_handler(
    service: str, consumer: str, event_type: str, outcome: ConsumerOutcome, seconds: float
) -> None:
    _check_outcome(outcome)
    HANDLER_DURATION.labels(
        service=service, consumer=consumer, event_type=event_type, outcome=outcome
    ).observe(seconds)


class _HandlerTimer:
    def __init__(self) -> None:
        self.outcome: ConsumerOutcome = "ok"


@contextlib.contextmanager
def time_handler(service: str, consumer: str, event_type: str) -> Iterator[_HandlerTimer]:
    """Time one handler attempt. Set ``t.outcome`` inside; an exception records ``retried``.

    ``with time_handler(svc, "booking-payments", env.type) as t: ...; t.outcome = "duplicate"``
    """
    timer = _HandlerTimer()
    started = time.perf_counter()
    try:
        yield timer
    except BaseException:
        if timer.outcome == "ok":
            timer.outcome = "retried"
        raise
    finally:
        observe_handler(service, consumer, event_type, timer.outcome, time.perf_counter() - started)


# --- HTTP ----------------------------------------------------------------------------------


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The matched route's path template, or ``<unmatched>`` (keeps label cardinality bounded)."""
    # FastAPI keeps the full template (with include_router prefixes) on the effective route.
    fastapi_scope = scope.get("fastapi")
    if isinstance(fastapi_scope, dict):
        effective = fastapi_scope.get("effective_route_context")
        path = getattr(effective, "path_format", None)
        if isinstance(path, str):
            return path
    path = getattr(scope.get("route"), "path_format", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class MetricsMiddleware:
    """Pure ASGI middleware observing ``http_request_duration_seconds``."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            HTTP_REQUEST_DURATION.labels(
                service=self.service,
                method=scope.get("method", "GET"),
                route=route_template(scope),
                status=str(status),
            ).observe(time.perf_counter() - started)


def metrics_response(registry: CollectorRegistry = REGISTRY) -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def metrics_router(registry: CollectorRegistry = REGISTRY) -> APIRouter:
    """``GET /metrics`` in the Prometheus text format."""
    router = APIRouter()

    async def metrics(request: Request) -> Response:
        return metrics_response(registry)

    router.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
    return router


# --- a small server for processes without an HTTP API --------------------------------------


@dataclass
class MetricsServer:
    """A running metrics/health server; ``await stop()`` on shutdown."""

    app: FastAPI
    task: asyncio.Task[None]
    host: str
    port: int
    _server: Any

    async def stop(self) -> None:
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def _metrics_app(readiness: Readiness, service: str) -> FastAPI:
    app = FastAPI(title=f"{service} metrics", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.readiness = readiness
    install_problem_handlers(app)
    app.include_router(health_router())
    app.include_router(metrics_router())
    return app


async def start_metrics_server(
    port: int,
    readiness: Readiness | Iterable[ReadinessCheck] = (),
    *,
    host: str = "0.0.0.0",
    service: str = "kairos",
) -> MetricsServer:
    """Serve ``/metrics``, ``/health/live`` and ``/health/ready`` on ``port`` in this loop.

    Runs uvicorn as a task of the running event loop (it does not take over signal
    handling: the process's own shutdown stays in charge). ``port=0`` picks a free port;
    the bound one is ``server.port``. Pass a :class:`Readiness` to add checks later.
    """
    import uvicorn

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    if not isinstance(readiness, Readiness):
        readiness = Readiness(readiness)
    app = _metrics_app(readiness, service)
    # Bind here, not in uvicorn: its bind failure calls sys.exit(), this raises OSError.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, reuse_port=False)
    bound = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app, host=host, port=bound, log_config=None, access_log=False, lifespan="off"
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"metrics-server:{bound}")
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("metrics server exited during startup")
            await asyncio.sleep(0.01)
    except BaseException:
        server.should_exit = True
        sock.close()
        raise
    log.info("metrics server listening on %s:%s", host, bound)
    return MetricsServer(app=app, task=task, host=host, port=bound, _server=server)
