"""Traces: the OpenTelemetry SDK, exported over OTLP/HTTP, only when it is asked for.

``setup(service, process)`` installs a tracer provider when ``OTEL_EXPORTER_OTLP_ENDPOINT``
is set (the exporter's own variables apply: ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``,
``OTEL_BSP_SCHEDULE_DELAY``, ...), and does nothing otherwise: no SDK imported, no span
made, no header written (``enabled()`` is False and every helper here returns at once).

What is traced, with the instrumentations that exist where they fit:

* HTTP server spans (FastAPI instrumentation, ``instrument_app``), outgoing HTTP client
  spans (httpx instrumentation) and database spans (SQLAlchemy instrumentation on the
  service's engine, ``instrument_engine``);
* one PRODUCER span per outbox row the relay publishes (``publish_span``), child of the
  context that wrote the row (its ``traceparent`` header); the Kafka record's
  ``traceparent`` header names the producer span;
* one CONSUMER span per record a handler runs (``process_span``), child of that producer
  span. Events emitted while it runs carry its ``traceparent`` in their envelope and
  outbox headers, so the next hop continues the same trace. A batch handler's run gets one
  such span per record (``start_process_span``, attribute ``kairos.batch``, not made
  current), and is handed envelopes whose ``trace`` names it, so the events it emits for a
  record continue that record's trace.

The relay and consumer spans are made here rather than by the aiokafka instrumentation:
the relay publishes rows written by other transactions (their trace is in the row, not in
the relay's context) and the Dispatcher runs a handler well after the fetch that the
aiokafka instrumentation would see.

Database spans are made only inside a trace (the relay's and the jobs' polls would each
be a trace of one span); every other span without a parent starts a trace.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kairos_platform import logging as klogging

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer
    from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "ENDPOINT_ENV",
    "enabled",
    "end_span",
    "instrument_app",
    "instrument_engine",
    "process_span",
    "publish_span",
    "reset",
    "setup",
    "shutdown",
    "start_process_span",
]

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
_TRACES_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
# health and metrics probes would be most of the HTTP spans and tell nothing
_EXCLUDED_URLS = "health,metrics"

_provider: TracerProvider | None = None
_db_provider: TracerProvider | None = None
_tracer: Tracer | None = None


def enabled() -> bool:
    return _provider is not None


def setup(service: str, process: str, *, environ: Mapping[str, str] | None = None) -> bool:
    """Install the SDK for this process when an OTLP endpoint is configured.

    ``service.name`` is ``<service>-<process>`` (``payments-relay``). Returns whether
    tracing is on. Idempotent: a second call keeps the first provider.
    """
    global _provider, _db_provider, _tracer
    env = os.environ if environ is None else environ
    if not (env.get(ENDPOINT_ENV) or env.get(_TRACES_ENDPOINT_ENV)):
        return False
    if _provider is not None:
        return True
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased

    resource = Resource.create(
        {
            "service.name": f"{service}-{process}",
            "service.namespace": "kairos",
            "kairos.service": service,
            "kairos.process": process,
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    # Database spans only inside a trace: a poll's query alone is no trace worth keeping
    # (it propagates nothing, so dropping it cannot cut a trace in two).
    db_provider = TracerProvider(resource=resource, sampler=ParentBased(root=ALWAYS_OFF))
    db_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _provider, _db_provider = provider, db_provider
    _tracer = provider.get_tracer("kairos_platform")
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    klogging.use_span_ids(_span_ids)
    return True


def shutdown() -> None:
    """Export what is buffered and stop (also done at interpreter exit)."""
    for provider in (_provider, _db_provider):
        if provider is not None:
            provider.shutdown()


def reset() -> None:
    """Flush, stop and forget the SDK (tests that set it up in their own process)."""
    global _provider, _db_provider, _tracer
    if _provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    shutdown()
    HTTPXClientInstrumentor().uninstrument()
    if SQLAlchemyInstrumentor().is_instrumented_by_opentelemetry:
        SQLAlchemyInstrumentor().uninstrument()
    klogging.use_span_ids(None)
    _provider = _db_provider = _tracer = None


def instrument_app(app: FastAPI) -> None:
    """HTTP server spans for ``app`` (outermost: the request context logs their ids)."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_provider,
        excluded_urls=_EXCLUDED_URLS,
        exclude_spans=["receive", "send"],
    )


def instrument_engine(engine: AsyncEngine) -> None:
    """Database spans for every statement run on ``engine``."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    instrumentor = SQLAlchemyInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:  # one engine per process
        # its declared range stops below SQLAlchemy 2.1, whose engine events it uses unchanged
        instrumentor.instrument(
            engine=engine.sync_engine, tracer_provider=_db_provider, skip_dep_check=True
        )


def _span_ids() -> klogging.TraceIds | None:
    """The active span's ids, for logs and for the envelopes of events emitted now."""
    from opentelemetry import trace

    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return klogging.TraceIds(
        format(ctx.trace_id, "032x"), format(ctx.span_id, "016x"), None, ctx.trace_flags.sampled
    )


def _parent(traceparent: str | None) -> Any:
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    if not traceparent:
        return None
    return TraceContextTextMapPropagator().extract({"traceparent": traceparent})


def _traceparent_of(span: Span) -> str:
    ctx = span.get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def publish_span(topic: str, key: str, headers: Mapping[str, Any]) -> tuple[Span, str] | None:
    """A PRODUCER span for one outbox row being published, child of the row's
    ``traceparent``; with the ``traceparent`` to send on the record (naming this span).
    The caller ends the span when the broker acknowledged. None when tracing is off."""
    if _tracer is None:
        return None
    from opentelemetry.trace import SpanKind

    raw = headers.get("traceparent")
    span = _tracer.start_span(
        f"{topic} publish",
        context=_parent(str(raw) if raw else None),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.operation.name": "publish",
            "messaging.destination.name": topic,
            "messaging.kafka.message.key": key,
            "messaging.message.id": str(headers.get("event_id", "")),
            "kairos.event_type": str(headers.get("event_type", "")),
        },
    )
    return span, _traceparent_of(span)


def end_span(span: Span, error: BaseException | None) -> None:
    """End a span started by ``publish_span`` or ``start_process_span``."""
    if error is not None:
        from opentelemetry.trace import Status, StatusCode

        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.end()


def _process_attributes(
    topic: str, partition: int, offset: int, consumer: str, event_type: str, event_id: str
) -> dict[str, Any]:
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": topic,
        "messaging.destination.partition.id": str(partition),
        "messaging.kafka.offset": offset,
        "messaging.consumer.group.name": consumer,
        "messaging.message.id": event_id,
        "kairos.event_type": event_type,
    }


@contextlib.contextmanager
def process_span(
    *,
    topic: str,
    partition: int,
    offset: int,
    consumer: str,
    traceparent: str | None,
    event_type: str,
    event_id: str,
) -> Iterator[Span | None]:
    """A CONSUMER span, current for the block, for a record a handler runs: child of the
    producer span named by the record's ``traceparent``. Yields None when tracing is off."""
    if _tracer is None:
        yield None
        return
    from opentelemetry.trace import SpanKind

    with _tracer.start_as_current_span(
        f"{topic} process",
        context=_parent(traceparent),
        kind=SpanKind.CONSUMER,
        attributes=_process_attributes(topic, partition, offset, consumer, event_type, event_id),
    ) as span:
        yield span


def start_process_span(
    *,
    topic: str,
    partition: int,
    offset: int,
    consumer: str,
    traceparent: str | None,
    event_type: str,
    event_id: str,
) -> tuple[Span, str] | None:
    """``process_span`` for one record of a batch handler's run, not made current (the run
    handles many records at once): with its ``traceparent``, for the events emitted for
    that record. The caller ends it (``end_span``). None when tracing is off."""
    if _tracer is None:
        return None
    from opentelemetry.trace import SpanKind

    span = _tracer.start_span(
        f"{topic} process",
        context=_parent(traceparent),
        kind=SpanKind.CONSUMER,
        attributes={
            **_process_attributes(topic, partition, offset, consumer, event_type, event_id),
            "kairos.batch": True,
        },
    )
    return span, _traceparent_of(span)
