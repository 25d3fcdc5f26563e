"""The app factory every service's HTTP process uses.

    def build_app(settings: ServiceSettings) -> FastAPI:
        return create_app(settings, title="booking", routers=[offerings.router],
                          readiness_checks=[Check("database", ping_db)], lifespan=lifespan)

It wires problem+json errors, request/trace ids (``X-Request-ID``, ``traceparent``), JSON
logs, request metrics, ``/health/live``, ``/health/ready``, ``/metrics`` and the token
verifier (``app.state.verifier``). Nothing here builds an app at import time.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from kairos_platform.auth import TokenVerifier, build_verifier
from kairos_platform.docs import install_docs
from kairos_platform.health import Readiness, ReadinessCheck, health_router
from kairos_platform.logging import bind_context, configure_logging, current_traceparent
from kairos_platform.metrics import (
    ASGIApp,
    Message,
    MetricsMiddleware,
    Receive,
    Scope,
    Send,
    metrics_router,
)
from kairos_platform.problems import (
    install_problem_handlers,
    log_unhandled,
    unhandled_error_response,
)
from kairos_platform.settings import ServiceSettings

__all__ = ["REQUEST_ID_HEADER", "RequestContextMiddleware", "create_app"]

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_QUIET_PATHS = ("/health/", "/metrics")

access_log = logging.getLogger("kairos.http.access")
error_log = logging.getLogger("kairos.http")

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Mapping[str, Any] | None]]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class RequestContextMiddleware:
    """Binds the correlation id and trace for a request, echoes them, logs the outcome.

    ``X-Request-ID`` is reused when it looks like an id (else a UUID4 is made); a valid
    ``traceparent`` is continued with a new span, else a new trace starts. Both go back on
    the response. An exception no handler took is logged with its traceback and answered
    with a bare 500 problem, so the client never sees internals.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = (
            incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else str(uuid.uuid4())
        )
        started = time.perf_counter()
        status = 500
        response_started = False

        with bind_context(correlation_id=request_id, trace=_header(scope, b"traceparent")):
            traceparent = current_traceparent() or ""

            async def send_wrapper(message: Message) -> None:
                nonlocal status, response_started
                if message["type"] == "http.response.start":
                    response_started = True
                    status = int(message["status"])
                    headers = [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if k.lower() not in (b"x-request-id", b"traceparent")
                    ]
                    headers.append((b"x-request-id", request_id.encode("latin-1")))
                    headers.append((b"traceparent", traceparent.encode("latin-1")))
                    message["headers"] = headers
                await send(message)

            try:
                await self.app(scope, receive, send_wrapper)
            except Exception as exc:
                log_unhandled(scope.get("method"), scope.get("path"), exc)
                if response_started:
                    raise
                response = unhandled_error_response(exc)
                await response(scope, receive, send_wrapper)
            finally:
                path = scope.get("path", "")
                level = logging.DEBUG if path.startswith(_QUIET_PATHS) else logging.INFO
                access_log.log(
                    level,
                    "%s %s %s",
                    scope.get("method"),
                    path,
                    status,
                    extra={
                        "http_method": scope.get("method"),
                        "http_path": path,
                        "http_status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )


def create_app(
    settings: ServiceSettings,
    *,
    title: str,
    routers: Iterable[APIRouter] = (),
    readiness_checks: Iterable[ReadinessCheck] = (),
    lifespan: Lifespan | None = None,
    verifier: TokenVerifier | None = None,
    version: str = "0.1.0",
    readiness_timeout_s: float = 2.0,
) -> FastAPI:
    """A FastAPI app with every piece of shared plumbing installed.

    ``verifier`` defaults to the one the settings describe (JWKS URL or PEM file); pass one
    to use another (tests). A verifier built here is closed when the app shuts down. Checks
    can also be added later, e.g. in ``lifespan``: ``app.state.readiness.add(check)``.
    """
    configure_logging(settings)
    owned = verifier is None
    if verifier is None:
        verifier = build_verifier(settings)
        if verifier is None:
            error_log.warning(
                "no JWKS_URL or JWT_PUBLIC_KEY_FILE set: authenticated routes will answer 503"
            )

    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[Any]:
        try:
            if lifespan is None:
                yield None
            else:
                async with lifespan(app) as state:
                    yield state
        finally:
            if owned and verifier is not None:
                await verifier.aclose()

    # operation ids are the routes' function names: a generated client's method names
    app = FastAPI(title=title, version=version, lifespan=_lifespan,
                  generate_unique_id_function=lambda route: route.name)  # fmt: skip
    app.state.settings = settings
    app.state.verifier = verifier
    app.state.readiness = Readiness(readiness_checks, timeout_s=readiness_timeout_s)

    install_problem_handlers(app)
    # Added last = outermost: the request context wraps the metrics (and everything else).
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    app.add_middleware(RequestContextMiddleware)

    app.include_router(health_router())
    app.include_router(metrics_router())
    for router in routers:
        app.include_router(router)
    install_docs(app)
    return app
