"""Liveness and readiness.

``GET /health/live`` answers 200 while the process can answer at all. ``GET /health/ready``
runs every registered :class:`ReadinessCheck` concurrently, each under a short timeout, and
answers 200 with each check's status, or 503 problem+json naming the checks that failed.

A check is anything with a ``name`` and an async ``__call__`` that raises (or returns
``False``) when its dependency is not usable::

    readiness.add(Check("database", lambda: ping(engine)))

Checks are kept in a :class:`Readiness` registry on ``app.state.readiness``, so a lifespan
that creates the engine can register its check after the app is built.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from kairos_platform.problems import Problem

__all__ = [
    "DEFAULT_CHECK_TIMEOUT_S",
    "Check",
    "CheckResult",
    "Readiness",
    "ReadinessCheck",
    "health_router",
]

DEFAULT_CHECK_TIMEOUT_S = 2.0

log = logging.getLogger("kairos.health")


@runtime_checkable
class ReadinessCheck(Protocol):
    """A named async probe. Ready when it returns (anything but ``False``) in time."""

    @property
    def name(self) -> str: ...

    def __call__(self) -> Awaitable[object]: ...


@dataclass(frozen=True, slots=True)
class Check:
    """A :class:`ReadinessCheck` from a name and a coroutine function."""

    name: str
    probe: Callable[[], Awaitable[object]]
    timeout_s: float | None = None

    def __call__(self) -> Awaitable[object]:
        return self.probe()


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    duration_ms: float
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": "ok" if self.ok else "failed",
            "duration_ms": round(self.duration_ms, 1),
        }
        if self.error:
            out["error"] = self.error
        return out


class Readiness:
    """The checks ``/health/ready`` runs."""

    def __init__(
        self,
        checks: Iterable[ReadinessCheck] = (),
        *,
        timeout_s: float = DEFAULT_CHECK_TIMEOUT_S,
    ) -> None:
        self._checks: list[ReadinessCheck] = []
        self.timeout_s = timeout_s
        for check in checks:
            self.add(check)

    def add(self, check: ReadinessCheck) -> None:
        if any(c.name == check.name for c in self._checks):
            raise ValueError(f"a readiness check named {check.name!r} is already registered")
        self._checks.append(check)

    def remove(self, name: str) -> None:
        self._checks = [c for c in self._checks if c.name != name]

    @property
    def checks(self) -> tuple[ReadinessCheck, ...]:
        return tuple(self._checks)

    async def _run_one(self, check: ReadinessCheck) -> CheckResult:
        timeout = getattr(check, "timeout_s", None) or self.timeout_s
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                outcome = await check()
        except TimeoutError:
            error: str | None = f"timed out after {timeout:g}s"
            log.warning("readiness check %s failed: %s", check.name, error)
        except Exception as exc:
            # The class name only: messages can carry hosts and credentials. The log has all.
            error = type(exc).__name__
            log.warning("readiness check %s failed: %s", check.name, error, exc_info=exc)
        else:
            error = None
            if outcome is False:
                error = "reported not ready"
                log.warning("readiness check %s failed: %s", check.name, error)
        duration_ms = (time.perf_counter() - started) * 1000
        return CheckResult(check.name, error is None, duration_ms, error)

    async def run(self) -> list[CheckResult]:
        return list(await asyncio.gather(*(self._run_one(c) for c in self._checks)))


def _readiness_of(request: Request) -> Readiness:
    readiness = getattr(request.app.state, "readiness", None)
    if readiness is None:
        readiness = Readiness()
        request.app.state.readiness = readiness
    assert isinstance(readiness, Readiness)
    return readiness


async def live() -> dict[str, str]:
    return {"status": "live"}


async def ready(request: Request) -> Response:
    results = await _readiness_of(request).run()
    checks = {r.name: r.to_dict() for r in results}
    failed = [r.name for r in results if not r.ok]
    if failed:
        return Problem(
            503,
            "Service Unavailable",
            "Not ready: " + ", ".join(failed) + (" is" if len(failed) == 1 else " are") + " down.",
            slug="not-ready",
            failed=failed,
            checks=checks,
        ).to_response()
    return JSONResponse({"status": "ready", "checks": checks})


def health_router() -> APIRouter:
    """``/health/live`` and ``/health/ready``; checks come from ``app.state.readiness``."""
    router = APIRouter(tags=["health"])
    router.add_api_route("/health/live", live, methods=["GET"], include_in_schema=False)
    router.add_api_route("/health/ready", ready, methods=["GET"], include_in_schema=False)
    return router
