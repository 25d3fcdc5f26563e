"""Structured logs: one JSON object per line, carrying correlation and trace ids.

The ids live in context variables. The HTTP middleware (:mod:`kairos_platform.http`) sets them
from ``X-Request-ID`` / ``traceparent``; consumer code sets them from an event envelope::

    with bind_context(correlation_id=env.correlation_id, trace=env.trace, event_id=env.event_id):
        await handle(env)

Code that writes an outbox row reads them back with :func:`current_correlation_uuid` and
:func:`current_trace_context` so the trace survives the hop through the broker.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from kairos_contracts.envelope import TraceContext

if TYPE_CHECKING:
    from kairos_platform.settings import ServiceSettings

__all__ = [
    "JsonFormatter",
    "TraceIds",
    "bind_context",
    "configure_logging",
    "current_correlation_id",
    "current_correlation_uuid",
    "current_event_id",
    "current_trace",
    "current_trace_context",
    "current_traceparent",
    "new_span_id",
    "new_trace_id",
    "parse_traceparent",
    "span_trace_context",
    "use_span_ids",
]


@dataclass(frozen=True, slots=True)
class TraceIds:
    """W3C trace context for the current unit of work (our span within a trace)."""

    trace_id: str  # 32 lowercase hex
    span_id: str  # 16 lowercase hex: *our* span
    parent_span_id: str | None = None
    sampled: bool = True

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled else '00'}"

    def child(self) -> TraceIds:
        return TraceIds(self.trace_id, new_span_id(), self.span_id, self.sampled)


class _HasTraceparent(Protocol):
    @property
    def traceparent(self) -> str | None: ...


_correlation_id: ContextVar[str | None] = ContextVar("kairos_correlation_id", default=None)
_trace: ContextVar[TraceIds | None] = ContextVar("kairos_trace", default=None)
_event_id: ContextVar[str | None] = ContextVar("kairos_event_id", default=None)

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def new_trace_id() -> str:
    return secrets.token_hex(16)


def new_span_id() -> str:
    return secrets.token_hex(8)


def parse_traceparent(value: str | None) -> TraceIds | None:
    """Parse a W3C ``traceparent`` header; ``None`` when absent or malformed."""
    if not value:
        return None
    m = _TRACEPARENT.match(value.strip().lower())
    if not m:
        return None
    version, trace_id, span_id, flags = m.groups()
    if version == "ff" or trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return TraceIds(trace_id, span_id, None, bool(int(flags, 16) & 1))


def _continue_trace(trace: str | _HasTraceparent | TraceIds | None) -> TraceIds:
    """Our own span: a child of the given parent, or the root of a new trace."""
    if isinstance(trace, TraceIds):
        return trace.child()
    raw = trace if isinstance(trace, str) or trace is None else trace.traceparent
    parent = parse_traceparent(raw)
    if parent is None:
        return TraceIds(new_trace_id(), new_span_id())
    return parent.child()


_UNSET: Any = object()


@contextmanager
def bind_context(
    *,
    correlation_id: str | uuid.UUID | None = _UNSET,
    trace: str | _HasTraceparent | TraceIds | None = _UNSET,
    event_id: str | uuid.UUID | None = _UNSET,
) -> Iterator[None]:
    """Set the log context for the block; restores the previous values on exit.

    An argument left out keeps its current value. ``trace`` (a ``traceparent`` string, an
    envelope's ``TraceContext`` or :class:`TraceIds`) starts a child span of that trace; a
    missing or malformed one starts a new trace.
    """
    tokens: list[Any] = []
    try:
        if correlation_id is not _UNSET:
            value = None if correlation_id is None else str(correlation_id)
            tokens.append((_correlation_id, _correlation_id.set(value)))
        if trace is not _UNSET:
            tokens.append((_trace, _trace.set(_continue_trace(trace))))
        if event_id is not _UNSET:
            value = None if event_id is None else str(event_id)
            tokens.append((_event_id, _event_id.set(value)))
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current_correlation_id() -> str | None:
    return _correlation_id.get()


def current_correlation_uuid() -> uuid.UUID | None:
    """The correlation id as a UUID (what an envelope wants); a non-UUID id is hashed."""
    value = _correlation_id.get()
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, "kairos:correlation:" + value)


def current_event_id() -> str | None:
    return _event_id.get()


# Set by kairos_platform.tracing when the OpenTelemetry SDK is on: the active span's ids.
_span_ids: Callable[[], TraceIds | None] | None = None


def use_span_ids(span_ids: Callable[[], TraceIds | None] | None) -> None:
    """Read the trace from the active OpenTelemetry span when there is one (tracing on):
    logs, response headers and emitted events then name the spans that are exported."""
    global _span_ids
    _span_ids = span_ids


def current_trace() -> TraceIds | None:
    if _span_ids is not None:
        span = _span_ids()
        if span is not None:
            return span
    return _trace.get()


def span_trace_context() -> TraceContext | None:
    """The active OpenTelemetry span as an envelope's trace; None when tracing is off or no
    span is active (an event caused by another then keeps its cause's trace)."""
    span = _span_ids() if _span_ids is not None else None
    return TraceContext(traceparent=span.traceparent) if span is not None else None


def current_traceparent() -> str | None:
    trace = current_trace()
    return trace.traceparent if trace else None


def current_trace_context() -> TraceContext:
    """The trace context to put on an event we are about to emit."""
    return TraceContext(traceparent=current_traceparent())


# --- formatting ----------------------------------------------------------------------------

# Attributes every LogRecord has; anything else came in through ``extra=`` and is logged.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "correlation_id",
    "trace_id",
    "span_id",
    "event_id",
}


class _ContextFilter(logging.Filter):
    """Stamp the context ids on each record (explicit ``extra=`` values win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):
            record.correlation_id = _correlation_id.get()
        if not hasattr(record, "event_id"):
            record.event_id = _event_id.get()
        trace = current_trace()
        if not hasattr(record, "trace_id"):
            record.trace_id = trace.trace_id if trace else None
        if not hasattr(record, "span_id"):
            record.span_id = trace.span_id if trace else None
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC)
        doc: dict[str, Any] = {
            "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "service": self.service,
            "correlation_id": getattr(record, "correlation_id", None),
            "trace_id": getattr(record, "trace_id", None),
            "span_id": getattr(record, "span_id", None),
        }
        event_id = getattr(record, "event_id", None)
        if event_id:
            doc["event_id"] = event_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS and not key.startswith("_") and key not in doc:
                doc[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, exc_value, tb = record.exc_info
            doc["exc_type"] = exc_type.__name__
            doc["exc_message"] = str(exc_value)
            doc["exc_info"] = "".join(traceback.format_exception(exc_type, exc_value, tb))
        elif record.exc_text:
            doc["exc_info"] = record.exc_text
        if record.stack_info:
            doc["stack_info"] = record.stack_info
        return json.dumps(doc, default=str, ensure_ascii=False)


class _TextFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__(
            f"%(asctime)s %(levelname)-7s {service} %(name)s [%(correlation_id)s] %(message)s"
        )


_HANDLER_MARK = "_kairos_handler"


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at emit time (survives stream swaps)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


# Clients that log every outbound request at INFO (the Stripe SDK twice per call).
_CHATTY = ("httpx", "httpcore", "stripe")


def configure_logging(
    settings: ServiceSettings | None = None,
    *,
    service: str | None = None,
    level: str | None = None,
    json_logs: bool | None = None,
    stream: Any = None,
) -> logging.Handler:
    """Send every log record to one handler on the root logger (stderr by default).

    Idempotent: calling it again replaces the handler it installed earlier, never stacks a
    second one. Uvicorn's loggers are routed through it too (its access log is quietened:
    the HTTP middleware logs each request with its correlation id instead).
    """
    service = service or (settings.service_name if settings else "kairos")
    level = (level or (settings.log_level if settings else "INFO")).upper()
    as_json = json_logs if json_logs is not None else (settings.log_json if settings else True)

    handler: logging.StreamHandler[TextIO] = (
        logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    )
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(_ContextFilter())
    handler.setFormatter(JsonFormatter(service) if as_json else _TextFormatter(service))

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)

    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # our own records name each call and its outcome; their failures still show at WARNING
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
