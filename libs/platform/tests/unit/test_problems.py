from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, field_validator

from kairos_platform.http import create_app
from kairos_platform.problems import (
    PROBLEM_CONTENT_TYPE,
    Problem,
    bad_request,
    conflict,
    forbidden,
    gone,
    install_problem_handlers,
    not_found,
    payment_required,
    problem_type,
    service_unavailable,
    unauthorized,
)
from kairos_platform.settings import ServiceSettings


class Offering(BaseModel):
    title: str
    duration_minutes: int = Field(ge=15, le=180)
    timezone: str

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        if "/" not in v:
            raise ValueError("must be an IANA time zone like Europe/Paris")
        return v


def _routes(app: FastAPI) -> FastAPI:
    @app.get("/problem")
    async def problem() -> None:
        raise Problem(409, "Slot full", "The 10:00 slot is full.", slug="slot-full", slot="10:00")

    @app.get("/http-exc")
    async def http_exc() -> None:
        raise HTTPException(status_code=418, detail="No coffee here.")

    @app.post("/offerings")
    async def create(body: Offering) -> dict[str, str]:
        return {"title": body.title}

    @app.get("/day")
    async def day(on: date) -> dict[str, str]:
        return {"on": on.isoformat()}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("db password is hunter2")

    return app


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    return TestClient(_routes(app), raise_server_exceptions=False)


def _is_problem(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body: dict[str, Any] = resp.json()
    assert body["status"] == status
    assert body["type"].startswith("https://kairos.dev/problems/")
    assert body["title"]
    return body


def test_problem_exception_becomes_problem_json_with_extensions(client: TestClient) -> None:
    body = _is_problem(client.get("/problem"), 409)
    assert body == {
        "type": "https://kairos.dev/problems/slot-full",
        "title": "Slot full",
        "status": 409,
        "detail": "The 10:00 slot is full.",
        "slot": "10:00",
    }


def test_problem_type_defaults_to_status_slug() -> None:
    assert Problem(404).type == problem_type("not-found")
    assert Problem(404).title == "Not Found"
    assert Problem(409).slug == "conflict"


@pytest.mark.parametrize(
    ("make", "status", "slug"),
    [
        (lambda: bad_request("bad"), 400, "bad-request"),
        (lambda: unauthorized(), 401, "unauthorized"),
        (lambda: payment_required(), 402, "payment-required"),
        (lambda: forbidden(), 403, "forbidden"),
        (lambda: not_found("nope"), 404, "not-found"),
        (lambda: conflict("taken"), 409, "conflict"),
        (lambda: gone("expired"), 410, "gone"),
        (lambda: service_unavailable(), 503, "service-unavailable"),
    ],
)
def test_helpers(make: Callable[[], Problem], status: int, slug: str) -> None:
    problem = make()
    assert problem.status == status
    assert problem.type == problem_type(slug)
    assert problem.to_response().status_code == status


def test_unauthorized_carries_bearer_challenge() -> None:
    assert unauthorized().headers["WWW-Authenticate"].startswith("Bearer")
    challenge = unauthorized('bad "token"', error="invalid_token").headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge
    assert '"token"' not in challenge  # quotes in the description are neutralised


def test_service_unavailable_retry_after() -> None:
    assert service_unavailable(retry_after=7).headers == {"Retry-After": "7"}


def test_helper_slug_override() -> None:
    assert conflict("full", slug="slot-full").type == problem_type("slot-full")


def test_starlette_http_exception(client: TestClient) -> None:
    body = _is_problem(client.get("/http-exc"), 418)
    assert body["detail"] == "No coffee here."


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    body = _is_problem(client.get("/no/such/route"), 404)
    assert body["type"] == problem_type("not-found")


def test_wrong_method_is_405_problem_with_allow(client: TestClient) -> None:
    resp = client.delete("/offerings")
    _is_problem(resp, 405)
    assert "POST" in resp.headers["allow"]


def test_validation_error_lists_each_field(client: TestClient) -> None:
    resp = client.post(
        "/offerings", json={"title": "Intro", "duration_minutes": 5, "timezone": "Paris"}
    )
    body = _is_problem(resp, 422)
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"duration_minutes", "timezone"}
    assert fields["duration_minutes"]["in"] == "body"
    assert "greater than or equal to 15" in fields["duration_minutes"]["message"]
    # the validator's own words, without pydantic's "Value error, " prefix
    assert fields["timezone"]["message"] == "must be an IANA time zone like Europe/Paris"
    assert "duration_minutes" in body["detail"] and "timezone" in body["detail"]
    assert "2 fields are invalid" in body["detail"]
    assert "input" not in fields["timezone"]  # the rejected value is not echoed


def test_missing_field_and_bad_query(client: TestClient) -> None:
    body = _is_problem(client.post("/offerings", json={"duration_minutes": 30}), 422)
    assert {e["field"] for e in body["errors"]} == {"title", "timezone"}
    assert all(e["message"] == "Field required" for e in body["errors"])

    body = _is_problem(client.get("/day", params={"on": "2025-13-45"}), 422)
    assert body["errors"][0]["field"] == "on"
    assert body["errors"][0]["in"] == "query"


def test_malformed_json_body(client: TestClient) -> None:
    resp = client.post(
        "/offerings", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = _is_problem(resp, 422)
    assert body["errors"][0]["field"] == "body"
    assert "not valid JSON" in body["errors"][0]["message"]


def test_unhandled_error_is_opaque_500_and_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        resp = client.get("/boom")
    body = _is_problem(resp, 500)
    assert "hunter2" not in resp.text
    assert "RuntimeError" not in resp.text
    assert "Traceback" not in resp.text
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert logged, "the traceback must reach the log"
    assert body["type"] == problem_type("internal-error")


def test_unhandled_error_through_create_app(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(ServiceSettings(), title="t", verifier=None)
    _routes(app)
    # raise_server_exceptions stays on: the middleware answers, nothing escapes the app.
    with caplog.at_level(logging.ERROR), TestClient(app) as tc:
        resp = tc.get("/boom", headers={"X-Request-ID": "req-500"})
    _is_problem(resp, 500)
    assert "hunter2" not in resp.text
    assert resp.headers["x-request-id"] == "req-500"
    errors = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert len(errors) == 1


def _database_away_routes(app: FastAPI) -> FastAPI:
    import socket

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    # A real connection attempt to a port nobody listens on, as during a PostgreSQL restart.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = create_async_engine(f"postgresql+asyncpg://k:k@127.0.0.1:{port}/k")

    @app.get("/needs-db")
    async def needs_db() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return app


def test_database_away_is_503_with_retry_after_not_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(ServiceSettings(), title="t", verifier=None)
    _database_away_routes(app)
    with caplog.at_level(logging.WARNING), TestClient(app) as tc:
        resp = tc.get("/needs-db")
    body = _is_problem(resp, 503)
    assert resp.headers["retry-after"] == "1"
    assert body["type"] == problem_type("service-unavailable")
    assert "nothing was changed" in body["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_database_away_through_problem_handlers_alone() -> None:
    app = FastAPI()
    install_problem_handlers(app)
    client = TestClient(_database_away_routes(app), raise_server_exceptions=False)
    _is_problem(client.get("/needs-db"), 503)
