"""Tracing is off unless an OTLP endpoint is configured: nothing installed, nothing imported,
no header changed. When on, a relay's producer span and a handler's consumer span chain."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from kairos_platform import logging as klogging
from kairos_platform import tracing
from kairos_platform.otlp_receiver import OtlpReceiver

OFF = """
import sys
from kairos_platform import logging, runtime, tracing
assert not tracing.setup("payments", "relay")
assert not tracing.enabled()
assert logging._span_ids is None
assert tracing.publish_span("t", "k", {"traceparent": "x"}) is None
with tracing.process_span(topic="t", partition=0, offset=0, consumer="c", traceparent=None,
                          event_type="E", event_id="1") as span:
    assert span is None
from opentelemetry import trace
assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"
assert not [m for m in sys.modules if m.startswith("opentelemetry.sdk")], "SDK imported"
"""


def test_nothing_is_installed_without_an_endpoint() -> None:
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("OTEL_")}
    subprocess.run([sys.executable, "-c", OFF], check=True, env=env, timeout=60)


def test_setup_needs_the_endpoint() -> None:
    assert not tracing.setup("payments", "http", environ={})
    assert not tracing.enabled()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as rec:
        monkeypatch.setenv(tracing.ENDPOINT_ENV, rec.endpoint)
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
        assert tracing.setup("payments", "relay")
        try:
            yield rec
        finally:
            tracing.reset()


def test_a_consumer_span_is_the_child_of_the_producer_span(receiver: OtlpReceiver) -> None:
    upstream = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    traced = tracing.publish_span("booking.events", "b1", {"traceparent": upstream})
    assert traced is not None
    span, traceparent = traced
    assert traceparent.startswith("00-0af7651916cd43dd8448eb211c80319c-")
    tracing.end_span(span, None)
    with tracing.process_span(
        topic="booking.events",
        partition=0,
        offset=7,
        consumer="payments",
        traceparent=traceparent,
        event_type="BookingConfirmed",
        event_id="e1",
    ):
        # logs and emitted events name the consumer span
        inner = klogging.current_trace()
        assert inner is not None and inner.trace_id == "0af7651916cd43dd8448eb211c80319c"
        assert klogging.span_trace_context() is not None
    assert klogging.span_trace_context() is None  # no span active: a cause keeps its trace
    deadline = time.monotonic() + 10
    while len(receiver.spans()) < 2:
        assert time.monotonic() < deadline, receiver.spans()
        time.sleep(0.02)
    publish, process = sorted(receiver.spans(), key=lambda s: s.kind != "producer")
    assert (publish.kind, process.kind) == ("producer", "consumer")
    assert publish.parent_span_id == "b7ad6b7169203331"
    assert process.parent_span_id == publish.span_id
    assert process.span_id == inner.span_id
    assert {publish.service, process.service} == {"payments-relay"}
    assert process.attributes["messaging.kafka.offset"] == 7
