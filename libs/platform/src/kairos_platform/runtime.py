"""The processes of a service: ``python -m kairos_<service> http|consumer|relay|migrate``.

Each runs on its own so that an operator scales them separately. They share one
composition root, the service's ``bootstrap()``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import importlib
import logging
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import uvloop
from fastapi import FastAPI
from sqlalchemy import text
from starlette.middleware import Middleware

from kairos_platform import metrics, tracing
from kairos_platform.health import Check, Readiness
from kairos_platform.heap import freeze_startup_heap
from kairos_platform.http import create_app
from kairos_platform.idempotency import IdempotencyMiddleware
from kairos_platform.logging import configure_logging
from kairos_platform.messaging.consumer import ConsumerPolicy, Dispatcher, Outcome
from kairos_platform.messaging.kafka import (
    HandledOffsets,
    consumer_broker,
    consumer_router,
    make_producer,
)
from kairos_platform.messaging.relay import Relay, RelayConfig
from kairos_platform.service import Service
from kairos_platform.uow import UnitOfWork

if TYPE_CHECKING:
    from faststream.kafka import KafkaRouter

log = logging.getLogger(__name__)

Bootstrap = Callable[[], Service[UnitOfWork]]


def database_check(service: Service[UnitOfWork]) -> Check:
    async def probe() -> None:
        async with service.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return Check("database", probe)


def build_http_app(service: Service[UnitOfWork]) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await service.engine.dispose()

    app = create_app(
        service.settings,
        title=f"Kairos {service.name}",
        routers=service.routers,
        readiness_checks=[database_check(service)],
        lifespan=lifespan,
    )
    app.state.service = service
    tracing.instrument_app(app)
    # Innermost of the middlewares (inside the request context and the metrics): a kept
    # answer goes out with this request's id, and refusals are already problem+json here.
    app.user_middleware.append(
        Middleware(
            IdempotencyMiddleware,
            engine=service.engine,
            verifier_of=lambda: getattr(app.state, "verifier", None),
        )
    )
    return app


def build_dispatcher(service: Service[UnitOfWork]) -> Dispatcher:
    s = service.settings

    def record(event_type: str, outcome: Outcome, seconds: float) -> None:
        label: Any = "ok" if outcome in (Outcome.HANDLED, Outcome.IGNORED) else str(outcome)
        if outcome is Outcome.DEAD_LETTERED:
            label = "dead_lettered"
        metrics.count_consumer_message(service.name, service.consumer_group, event_type, label)
        metrics.observe_handler(service.name, service.consumer_group, event_type, label, seconds)

    return Dispatcher(
        consumer=service.consumer_group,
        uow_factory=service.uow_factory,
        handlers=service.handlers,
        batch_handlers=service.batch_handlers,
        policy=ConsumerPolicy(
            s.consumer_max_attempts, s.consumer_backoff_base_s, s.consumer_backoff_max_s
        ),
        on_outcome=record,
    )


def build_consumer_router(
    service: Service[UnitOfWork], offsets: HandledOffsets | None = None
) -> KafkaRouter:
    """The service's batch subscriber over its topics, feeding its dispatcher, with the
    consumer settings (records per batch, fetch wait, batch timeout, session timeout) and
    ``offsets`` committing what is handled."""
    s = service.settings

    def on_batch(msg: Any) -> None:
        consumer = msg.consumer
        for r in (
            msg.raw_message if isinstance(msg.raw_message, tuple | list) else [msg.raw_message]
        ):
            with contextlib.suppress(Exception):
                tp = _tp(r.topic, r.partition)
                metrics.set_consumer_lag(
                    service.name,
                    service.consumer_group,
                    r.topic,
                    r.partition,
                    consumer.highwater(tp) - r.offset - 1,
                )

    return consumer_router(
        build_dispatcher(service),
        topics=service.topics,
        group_id=service.consumer_group,
        max_records=s.consumer_max_records,
        fetch_max_wait_ms=s.consumer_fetch_max_wait_ms,
        batch_timeout_ms=s.consumer_batch_timeout_ms,
        session_timeout_ms=s.consumer_session_timeout_ms,
        on_batch=on_batch,
        offsets=offsets,
    )


async def run_consumer(service: Service[UnitOfWork], stop: asyncio.Event) -> None:
    s = service.settings
    client_id = f"{service.name}-consumer-{uuid.uuid4().hex[:6]}"
    broker = consumer_broker(s.kafka_bootstrap_servers, client_id)
    interval_ms = s.consumer_commit_interval_ms
    offsets = HandledOffsets(interval_ms / 1000) if interval_ms > 0 else None
    broker.include_router(build_consumer_router(service, offsets))
    readiness = Readiness(
        [database_check(service), Check("broker", lambda: broker.ping(timeout=2.0))]
    )
    server = await metrics.start_metrics_server(
        s.metrics_port, readiness, host=s.http_host, service=service.name
    )
    jobs = [asyncio.create_task(job(service, stop)) for job in service.jobs]
    jobs.append(asyncio.create_task(watch_mail_queue(service, stop)))
    try:
        await _start_with_retry(broker.start, stop, "broker")
        log.info("consumer of %s started on %s", service.name, ", ".join(service.topics))
        await stop.wait()
    finally:
        for task in jobs:
            task.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        if offsets is not None:
            await offsets.stop()
        await broker.stop()
        await server.stop()
        await service.engine.dispose()


def _tp(topic: str, partition: int) -> Any:
    from aiokafka import TopicPartition

    return TopicPartition(topic, partition)


async def run_relay(service: Service[UnitOfWork], stop: asyncio.Event) -> None:
    s = service.settings
    producer = make_producer(
        s.kafka_bootstrap_servers, client_id=f"{service.name}-relay-{uuid.uuid4().hex[:6]}"
    )
    relay = Relay(
        service.engine,
        producer,
        listen_dsn=s.asyncpg_dsn,
        config=RelayConfig(batch_size=s.relay_batch_size, poll_interval_s=s.relay_poll_interval_s),
        on_published=lambda rows: _count_published(service.name, rows),
    )

    async def broker_up() -> bool:
        return bool(producer.client.cluster.brokers())

    readiness = Readiness([database_check(service), Check("broker", broker_up)])
    server = await metrics.start_metrics_server(
        s.metrics_port, readiness, host=s.http_host, service=service.name
    )
    watcher = asyncio.create_task(_watch_backlog(service, relay, stop))
    try:
        await _start_with_retry(producer.start, stop, "broker")
        await relay.run(stop)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await producer.stop()
        await server.stop()
        await service.engine.dispose()


def _count_published(service: str, rows: Any) -> None:
    for topic, n in collections.Counter(r.topic for r in rows).items():
        metrics.count_relay_published(service, topic, n)


async def _watch_backlog(service: Service[UnitOfWork], relay: Relay, stop: asyncio.Event) -> None:
    """Outbox backlog and oldest age for /metrics, and purge of long-sent rows."""
    passes = 0
    while not stop.is_set():
        with contextlib.suppress(Exception):
            backlog = await relay.backlog()
            metrics.set_outbox_backlog(service.name, backlog.count, backlog.oldest_age_s)
            if passes % 60 == 0:
                await relay.purge_sent()
        passes += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)


#: how often the consumer measures its service's mail queue
MAIL_QUEUE_WATCH_S = 15.0


async def watch_mail_queue(
    service: Service[UnitOfWork], stop: asyncio.Event, interval_s: float = MAIL_QUEUE_WATCH_S
) -> None:
    """The oldest unsent mail's age for /metrics, for a service whose unit of work has a mail
    queue (``uow.mails``, see ``kairos_platform.mail.MailUow``); returns at once otherwise."""
    while not stop.is_set():
        try:
            async with service.uow_factory() as uow:
                measure = getattr(getattr(uow, "mails", None), "oldest_unsent_age_s", None)
                if measure is None:
                    return
                metrics.set_mail_queue_oldest_age(service.name, await measure())
        except Exception:
            log.debug("mail queue not measured", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)


async def _start_with_retry(start: Callable[[], Any], stop: asyncio.Event, what: str) -> None:
    """A process may start before its broker: keep trying instead of crashing."""
    delay = 0.2
    while not stop.is_set():
        try:
            await start()
            return
        except Exception as exc:
            log.warning("%s not reachable yet (%s); retrying", what, type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 5.0)


# Where a worker process finds its service's composition root (see serve_http).
_BOOTSTRAP_ENV = "KAIROS_HTTP_BOOTSTRAP"


def serve_http(bootstrap: Bootstrap, service: Service[UnitOfWork]) -> None:
    """uvicorn on HTTP_HOST:HTTP_PORT. With HTTP_WORKERS > 1, that many worker processes
    share the port (each builds its own app, engine and pool): concurrent requests run in
    parallel on a multi-core host. The start-up heap is frozen once the app is built."""
    import uvicorn

    s = service.settings
    if s.http_workers == 1:
        app = _frozen_http_app(service)
        uvicorn.run(app, host=s.http_host, port=s.http_port, log_config=None, access_log=False)
        return
    # Workers are fresh processes that import the app factory by name; the environment
    # they inherit tells it which service to build.
    os.environ[_BOOTSTRAP_ENV] = f"{bootstrap.__module__}:{bootstrap.__qualname__}"
    uvicorn.run(
        f"{__name__}:worker_http_app",
        factory=True,
        workers=s.http_workers,
        host=s.http_host,
        port=s.http_port,
        log_config=None,
        access_log=False,
    )


def worker_http_app() -> FastAPI:
    """The app of one uvicorn worker (HTTP_WORKERS > 1)."""
    module, _, name = os.environ[_BOOTSTRAP_ENV].partition(":")
    service: Service[UnitOfWork] = getattr(importlib.import_module(module), name)()
    configure_logging(service.settings)
    _trace(service, "http")
    return _frozen_http_app(service)


def _frozen_http_app(service: Service[UnitOfWork]) -> FastAPI:
    """The HTTP app, with the start-up heap frozen once it is built."""
    app = build_http_app(service)
    freeze_startup_heap()
    return app


def run_migrations(service: Service[UnitOfWork]) -> None:
    from kairos_platform.migrations import upgrade

    upgrade(service.migrations, service.settings.sqlalchemy_url)


async def _run_until_signalled(
    runner: Callable[[Service[UnitOfWork], asyncio.Event], Any], service: Service[UnitOfWork]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runner(service, stop)


def _trace(service: Service[UnitOfWork], process: str) -> None:
    """The OpenTelemetry SDK for this process, when OTEL_EXPORTER_OTLP_ENDPOINT is set."""
    if tracing.setup(service.name, process):
        tracing.instrument_engine(service.engine)
        log.info("traces of %s-%s exported over OTLP", service.name, process)


def main(bootstrap: Bootstrap, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one process of a Kairos service.")
    parser.add_argument("process", choices=["http", "consumer", "relay", "migrate"])
    args = parser.parse_args(argv)
    service = bootstrap()
    configure_logging(service.settings)
    if args.process != "migrate":
        _trace(service, args.process)
    if args.process == "migrate":
        run_migrations(service)
    elif args.process == "http":
        serve_http(bootstrap, service)
    else:
        runner = run_consumer if args.process == "consumer" else run_relay
        # uvloop, as uvicorn's HTTP processes use: a consumer or relay spends much of its
        # CPU in the event loop's socket and scheduling work (bench/README.md).
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as loop:
            loop.run(_run_until_signalled(runner, service))
    sys.exit(0)
