from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kairos_platform.health import Check, Readiness, ReadinessCheck
from kairos_platform.http import create_app
from kairos_platform.problems import PROBLEM_CONTENT_TYPE
from kairos_platform.settings import ServiceSettings


class Dependency:
    """A fake dependency whose health the test flips."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.up = True
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        if not self.up:
            raise ConnectionRefusedError("connect to 10.0.0.5:5432 password=hunter2 refused")


async def _ok() -> None:
    return None


async def _hang() -> None:
    await asyncio.sleep(10)


def _app(*checks: ReadinessCheck, timeout_s: float = 0.2) -> FastAPI:
    return create_app(
        ServiceSettings(), title="t", readiness_checks=checks, readiness_timeout_s=timeout_s
    )


async def _get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.get(path)


async def test_live_is_200_even_when_not_ready() -> None:
    db = Dependency("database")
    db.up = False
    resp = await _get(_app(db), "/health/live")
    assert resp.status_code == 200
    assert resp.json() == {"status": "live"}
    assert db.calls == 0  # liveness never touches dependencies


async def test_ready_when_all_checks_pass() -> None:
    db, broker = Dependency("database"), Dependency("broker")
    resp = await _get(_app(db, broker), "/health/ready")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ready"
    assert {k: v["status"] for k, v in body["checks"].items()} == {
        "database": "ok",
        "broker": "ok",
    }
    assert db.calls == broker.calls == 1


async def test_not_ready_names_the_failing_check() -> None:
    db, broker = Dependency("database"), Dependency("broker")
    broker.up = False
    resp = await _get(_app(db, broker), "/health/ready")
    assert resp.status_code == 503
    assert resp.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = resp.json()
    assert body["type"] == "https://kairos.dev/problems/not-ready"
    assert body["failed"] == ["broker"]
    assert "broker" in body["detail"] and "database" not in body["detail"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"] == {
        "status": "failed",
        "duration_ms": body["checks"]["broker"]["duration_ms"],
        "error": "ConnectionRefusedError",
    }
    assert "hunter2" not in resp.text and "10.0.0.5" not in resp.text


async def test_recovers_when_the_dependency_returns() -> None:
    db = Dependency("database")
    app = _app(db)
    db.up = False
    assert (await _get(app, "/health/ready")).status_code == 503
    db.up = True
    assert (await _get(app, "/health/ready")).status_code == 200


async def test_slow_check_times_out_and_checks_run_concurrently() -> None:
    app = _app(Check("broker", _hang), Check("slow-db", _hang), Check("cache", _ok))
    started = time.perf_counter()
    resp = await _get(app, "/health/ready")
    elapsed = time.perf_counter() - started
    assert resp.status_code == 503
    assert sorted(resp.json()["failed"]) == ["broker", "slow-db"]
    assert resp.json()["checks"]["broker"]["error"] == "timed out after 0.2s"
    assert elapsed < 1.0  # two 0.2 s timeouts side by side, not 10 s sleeps


async def test_per_check_timeout_overrides_default() -> None:
    async def brief_sleep() -> None:
        await asyncio.sleep(0.3)

    app = _app(Check("patient", brief_sleep, timeout_s=2.0), timeout_s=0.1)
    assert (await _get(app, "/health/ready")).status_code == 200


async def test_check_returning_false_is_not_ready() -> None:
    async def says_no() -> bool:
        return False

    resp = await _get(_app(Check("database", says_no)), "/health/ready")
    assert resp.status_code == 503
    assert resp.json()["checks"]["database"]["error"] == "reported not ready"


async def test_checks_added_after_the_app_is_built() -> None:
    app = _app()
    assert (await _get(app, "/health/ready")).status_code == 200
    late = Dependency("database")
    late.up = False
    app.state.readiness.add(late)  # e.g. from a lifespan that created the engine
    assert (await _get(app, "/health/ready")).json()["failed"] == ["database"]
    app.state.readiness.remove("database")
    assert (await _get(app, "/health/ready")).status_code == 200


def test_readiness_registry() -> None:
    readiness = Readiness([Check("database", _ok)])
    with pytest.raises(ValueError, match="database"):
        readiness.add(Dependency("database"))
    assert [c.name for c in readiness.checks] == ["database"]


def test_protocol_is_structural() -> None:
    check: Any = Dependency("database")
    assert isinstance(check, ReadinessCheck)
    assert isinstance(Check("x", _ok), ReadinessCheck)
    assert not isinstance(object(), ReadinessCheck)
