"""Traces end to end: a stack of its own exporting OTLP to a receiver in this process, one
paid booking through the gateway, and its spans read back: payments' HTTP request, payments'
relay, booking's consumer (PaymentVerified), booking's relay and payments' consumer
(BookingConfirmed: the capture) are one trace, each hop the child of the one before."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from kairos_e2e.client import Gateway, eventually
from kairos_e2e.market import Market, booking_of, checkout, mentee, stripe_intent
from kairos_localstack.stack import temporary_stack
from kairos_platform.otlp_receiver import OtlpReceiver, ReceivedSpan

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as rec:
        yield rec


@pytest.fixture(scope="module")
def traced_stack(receiver: OtlpReceiver) -> Iterator[Any]:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    with temporary_stack("kairos-traced-", env) as state:
        yield state


@pytest.fixture
async def gw(traced_stack: Any) -> AsyncIterator[Gateway]:
    gateway = Gateway(
        traced_stack.gateway_url, Path(traced_stack.data_dir), endpoints=traced_stack.endpoints
    )
    yield gateway
    await gateway.aclose()


def _of(spans: list[ReceivedSpan], service: str, kind: str, topic: str = "") -> ReceivedSpan:
    found = [
        s
        for s in spans
        if s.service == service
        and s.kind == kind
        and (not topic or s.attributes.get("messaging.destination.name") == topic)
    ]
    assert found, f"no {kind} span of {service} {topic}"
    return found[0]


async def test_one_paid_booking_is_one_trace(gw: Gateway, receiver: OtlpReceiver) -> None:
    market = Market(gw)
    await market.open()
    slot = (await market.slots())[0]
    _, who = mentee(gw)
    hold = await market.hold(who, slot.starts_at)
    assert hold.status_code == 201, hold.text
    paid = await checkout(
        gw, who, hold.model.hold_id, method="card", payment_method_id="pm_card_visa"
    )
    assert paid.status_code == 201, paid.text
    booked = await eventually(lambda: booking_of(gw, who, slot.starts_at), what="the booking")
    assert booked.status == "confirmed"
    intent_id = paid.model.payment_intent_id
    assert isinstance(intent_id, str), intent_id

    async def captured() -> bool:
        return stripe_intent(gw, intent_id)["status"] == "succeeded"

    await eventually(captured, what="the capture in Stripe")

    # The capture's trace: payments' consumer handling BookingConfirmed for this booking.
    def the_trace() -> list[ReceivedSpan] | None:
        spans = receiver.spans()
        for capture in spans:
            if (
                capture.service == "payments-consumer"
                and capture.kind == "consumer"
                and capture.attributes.get("kairos.event_type") == "BookingConfirmed"
            ):
                trace = [s for s in spans if s.trace_id == capture.trace_id]
                if {s.service for s in trace} >= {
                    "payments-http",
                    "payments-relay",
                    "booking-consumer",
                    "booking-relay",
                    "payments-consumer",
                } and any(s.parent_span_id == capture.span_id for s in trace):
                    return trace
        return None

    deadline = time.monotonic() + 60
    while (trace := the_trace()) is None:
        assert time.monotonic() < deadline, sorted(
            {(s.service, s.kind, s.name) for s in receiver.spans()}
        )
        await asyncio.sleep(0.2)

    by_id = {s.span_id: s for s in trace}

    def ancestors(span: ReceivedSpan) -> list[ReceivedSpan]:
        out = []
        while span.parent_span_id in by_id:
            span = by_id[span.parent_span_id]
            out.append(span)
        return out

    verified = _of(trace, "booking-consumer", "consumer")
    assert verified.attributes["kairos.event_type"] == "PaymentVerified"
    publish_verified = by_id[verified.parent_span_id or ""]
    assert (publish_verified.service, publish_verified.kind) == ("payments-relay", "producer")
    # the payments request that decided the payment (the checkout or Stripe's webhook)
    request = ancestors(publish_verified)[0]
    assert (request.service, request.kind) == ("payments-http", "server")
    capture = next(
        s
        for s in trace
        if s.service == "payments-consumer"
        and s.kind == "consumer"
        and s.attributes.get("kairos.event_type") == "BookingConfirmed"
    )
    publish_confirmed = by_id[capture.parent_span_id or ""]
    assert (publish_confirmed.service, publish_confirmed.kind) == ("booking-relay", "producer")
    assert verified in ancestors(publish_confirmed)
    # the consumers' database work and the capture's call to Stripe are inside them
    below_capture = [s for s in trace if capture in ancestors(s) and s.kind == "client"]
    assert any(
        "http.request.method" in s.attributes or "http.method" in s.attributes
        for s in below_capture
    ), sorted({(s.name, tuple(sorted(s.attributes))) for s in below_capture})
    assert any("db.system.name" in s.attributes or "db.system" in s.attributes
               for s in below_capture)  # fmt: skip
    assert any(s.kind == "client" for s in trace if verified in ancestors(s))
