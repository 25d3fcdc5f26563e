from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from kairos_contracts.envelope import TraceContext
from kairos_platform.http import create_app
from kairos_platform.logging import (
    TraceIds,
    bind_context,
    configure_logging,
    current_correlation_id,
    current_correlation_uuid,
    current_event_id,
    current_trace,
    current_trace_context,
    current_traceparent,
    parse_traceparent,
)
from kairos_platform.settings import ServiceSettings

INCOMING_TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


pytestmark = pytest.mark.usefixtures("restore_root_logger")


@pytest.fixture
def stream() -> io.StringIO:
    return io.StringIO()


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _settings(**kw: Any) -> ServiceSettings:
    return ServiceSettings(SERVICE_NAME="booking", **kw)


def test_json_line_has_the_standard_fields(stream: io.StringIO) -> None:
    configure_logging(_settings(), stream=stream)
    logging.getLogger("kairos.test").info("hello %s", "world", extra={"booking_id": "b-1"})
    (line,) = _lines(stream)
    assert line["msg"] == "hello world"
    assert line["level"] == "INFO"
    assert line["logger"] == "kairos.test"
    assert line["service"] == "booking"
    assert line["booking_id"] == "b-1"
    assert line["ts"].endswith("Z") and "T" in line["ts"]
    assert line["correlation_id"] is None and line["trace_id"] is None
    assert "event_id" not in line


def test_configure_logging_is_idempotent(stream: io.StringIO) -> None:
    configure_logging(_settings(), stream=io.StringIO())
    configure_logging(_settings(), stream=stream)
    configure_logging(_settings(), stream=stream)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_kairos_handler", False)]
    assert len(ours) == 1
    logging.getLogger("x").warning("once")
    assert len(_lines(stream)) == 1


def test_level_is_applied(stream: io.StringIO) -> None:
    configure_logging(_settings(LOG_LEVEL="WARNING"), stream=stream)
    logging.getLogger("x").info("dropped")
    logging.getLogger("x").warning("kept")
    assert [line["msg"] for line in _lines(stream)] == ["kept"]


def test_per_request_client_logs_are_quiet_but_their_warnings_kept(
    stream: io.StringIO,
) -> None:
    configure_logging(_settings(), stream=stream)
    for name in ("httpx", "stripe"):
        logging.getLogger(name).info("HTTP Request: GET ...")
        logging.getLogger(name).warning("retrying")
    logging.getLogger("kairos.x").info("ours")
    assert [line["msg"] for line in _lines(stream)] == ["retrying", "retrying", "ours"]


def test_exception_is_logged_with_traceback(stream: io.StringIO) -> None:
    configure_logging(_settings(), stream=stream)
    try:
        raise KeyError("missing-thing")
    except KeyError:
        logging.getLogger("x").exception("failed")
    (line,) = _lines(stream)
    assert line["level"] == "ERROR"
    assert line["exc_type"] == "KeyError"
    assert "Traceback" in line["exc_info"] and "missing-thing" in line["exc_info"]


def test_plain_text_mode(stream: io.StringIO) -> None:
    configure_logging(_settings(LOG_JSON="false"), stream=stream)
    with bind_context(correlation_id="corr-9"):
        logging.getLogger("x").info("plain")
    text = stream.getvalue()
    assert "plain" in text and "[corr-9]" in text and "booking" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_bind_context_sets_and_restores(stream: io.StringIO) -> None:
    configure_logging(_settings(), stream=stream)
    log = logging.getLogger("consumer")
    event_id = uuid.uuid4()
    with bind_context(correlation_id="outer", trace=INCOMING_TRACE, event_id=event_id):
        log.info("a")
        with bind_context(correlation_id="inner"):
            log.info("b")
            assert current_event_id() == str(event_id)  # not given: inherited
        log.info("c")
    log.info("d")
    a, b, c, d = _lines(stream)
    assert (a["correlation_id"], b["correlation_id"], c["correlation_id"]) == (
        "outer",
        "inner",
        "outer",
    )
    assert a["event_id"] == str(event_id) and b["event_id"] == str(event_id)
    assert a["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert a["span_id"] != "00f067aa0ba902b7"  # our own span, child of the incoming one
    assert d["correlation_id"] is None and d["trace_id"] is None and "event_id" not in d
    assert current_correlation_id() is None and current_trace() is None


def test_bind_context_accepts_an_envelope_trace_context() -> None:
    with bind_context(trace=TraceContext(traceparent=INCOMING_TRACE)):
        trace = current_trace()
        assert trace is not None
        assert trace.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
        assert trace.parent_span_id == "00f067aa0ba902b7"
        outgoing = current_trace_context()
        assert outgoing.traceparent == trace.traceparent
        assert parse_traceparent(outgoing.traceparent) == TraceIds(
            trace.trace_id, trace.span_id, None, True
        )


def test_missing_or_bad_trace_starts_a_new_trace() -> None:
    for bad in (None, TraceContext(), "garbage", "00-" + "0" * 32 + "-00f067aa0ba902b7-01"):
        with bind_context(trace=bad):
            trace = current_trace()
            assert trace is not None and len(trace.trace_id) == 32
            assert trace.trace_id != "0" * 32 and trace.parent_span_id is None


def test_parse_traceparent() -> None:
    parsed = parse_traceparent(INCOMING_TRACE)
    assert parsed == TraceIds("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", None, True)
    assert parse_traceparent(INCOMING_TRACE.upper()) == parsed
    assert parse_traceparent(INCOMING_TRACE[:-2] + "00") is not None
    assert parse_traceparent("ff" + INCOMING_TRACE[2:]) is None
    assert parse_traceparent("00-abc-def-01") is None
    assert parse_traceparent("") is None


def test_correlation_uuid() -> None:
    assert current_correlation_uuid() is None
    cid = uuid.uuid4()
    with bind_context(correlation_id=cid):
        assert current_correlation_uuid() == cid
    with bind_context(correlation_id="req-abc"):
        first = current_correlation_uuid()
    with bind_context(correlation_id="req-abc"):
        assert current_correlation_uuid() == first  # stable for the same id
    with bind_context(correlation_id="req-xyz"):
        assert current_correlation_uuid() != first


async def test_contexts_do_not_leak_between_tasks() -> None:
    seen: dict[str, str | None] = {}

    async def work(cid: str) -> None:
        with bind_context(correlation_id=cid):
            await asyncio.sleep(0.01)
            seen[cid] = current_correlation_id()

    await asyncio.gather(work("one"), work("two"), work("three"))
    assert seen == {"one": "one", "two": "two", "three": "three"}
    assert current_correlation_id() is None


# --- through the HTTP middleware -----------------------------------------------------------


def _app() -> Any:
    router = APIRouter()

    @router.get("/work")
    async def work() -> dict[str, str | None]:
        logging.getLogger("booking.routes").info("doing work")
        return {"cid": current_correlation_id(), "traceparent": current_traceparent()}

    return create_app(_settings(), title="t", routers=[router])


async def _call(app: Any, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.get("/work", headers=headers)


async def test_request_id_is_echoed_and_in_every_log_line(stream: io.StringIO) -> None:
    app = _app()
    configure_logging(_settings(), stream=stream)  # after create_app: capture its output
    resp = await _call(app, {"X-Request-ID": "req-42", "traceparent": INCOMING_TRACE})
    assert resp.headers["x-request-id"] == "req-42"
    assert resp.json()["cid"] == "req-42"
    out = parse_traceparent(resp.headers["traceparent"])
    assert out is not None and out.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert out.span_id != "00f067aa0ba902b7"
    assert resp.json()["traceparent"] == resp.headers["traceparent"]

    lines = _lines(stream)
    route_line = next(line for line in lines if line["msg"] == "doing work")
    access_line = next(line for line in lines if line["logger"] == "kairos.http.access")
    for line in (route_line, access_line):
        assert line["correlation_id"] == "req-42"
        assert line["trace_id"] == out.trace_id
        assert line["span_id"] == out.span_id
    assert access_line["http_status"] == 200 and access_line["http_path"] == "/work"


async def test_request_id_generated_when_absent(stream: io.StringIO) -> None:
    app = _app()
    configure_logging(_settings(), stream=stream)
    resp = await _call(app, {})
    generated = resp.headers["x-request-id"]
    assert uuid.UUID(generated).version == 4
    assert parse_traceparent(resp.headers["traceparent"]) is not None
    route_line = next(line for line in _lines(stream) if line["msg"] == "doing work")
    assert route_line["correlation_id"] == generated


async def test_unsafe_request_id_is_replaced() -> None:
    resp = await _call(_app(), {"X-Request-ID": "bad id\twith spaces" + "x" * 200})
    assert uuid.UUID(resp.headers["x-request-id"])
