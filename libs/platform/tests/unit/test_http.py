from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient

from kairos_platform.auth import JWKSKeySource, JWTVerifier, Principal, StaticKeySource
from kairos_platform.health import Check
from kairos_platform.http import create_app
from kairos_platform.settings import ServiceSettings
from kairos_platform.tokens_cli import generate_keypair

pytestmark = pytest.mark.usefixtures("restore_root_logger")


class RecordingVerifier:
    def __init__(self) -> None:
        self.closed = False

    async def verify(self, token: str) -> Principal:
        raise NotImplementedError

    async def aclose(self) -> None:
        self.closed = True


def _router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/ping")
    async def ping(request: Request) -> dict[str, Any]:
        return {"pong": True, "started": getattr(request.state, "started", None)}

    return router


@pytest.mark.parametrize(
    "module",
    ["http", "auth", "health", "metrics", "problems", "logging", "tokens_cli"],
)
def test_no_app_is_built_at_import_time(module: str) -> None:
    mod = importlib.import_module(f"kairos_platform.{module}")
    assert not [name for name, value in vars(mod).items() if isinstance(value, FastAPI)]


def test_create_app_wires_everything() -> None:
    verifier = RecordingVerifier()
    settings = ServiceSettings(SERVICE_NAME="booking")

    async def database() -> None:
        return None

    app = create_app(
        settings,
        title="booking",
        routers=[_router()],
        readiness_checks=[Check("database", database)],
        verifier=verifier,
    )
    assert app.title == "booking"
    assert app.state.verifier is verifier
    assert app.state.settings is settings
    assert [c.name for c in app.state.readiness.checks] == ["database"]
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_kairos_handler", False)]
    assert len(ours) == 1

    with TestClient(app) as client:
        assert client.get("/v1/ping").json()["pong"] is True
        assert client.get("/health/live").status_code == 200
        ready = client.get("/health/ready")
        assert ready.status_code == 200 and "database" in ready.json()["checks"]
        assert "http_request_duration_seconds" in client.get("/metrics").text
        assert client.get("/v1/ping").headers["x-request-id"]
        paths = set(client.get("/openapi.json").json()["paths"])
    assert paths == {"/v1/ping"}  # health and metrics stay out of the API schema
    assert verifier.closed is False  # the caller owns a verifier it passed in


def test_user_lifespan_runs_and_its_state_reaches_requests() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        events.append("startup")
        yield {"started": "yes"}
        events.append("shutdown")

    app = create_app(ServiceSettings(), title="t", routers=[_router()], lifespan=lifespan)
    with TestClient(app) as client:
        assert events == ["startup"]
        assert client.get("/v1/ping").json()["started"] == "yes"
    assert events == ["startup", "shutdown"]


def test_verifier_built_from_settings(tmp_path: Path) -> None:
    _, public_pem = generate_keypair("ed25519")
    pem = tmp_path / "jwt_public.pem"
    pem.write_bytes(public_pem)
    app = create_app(ServiceSettings(JWT_PUBLIC_KEY_FILE=str(pem), JWT_ISSUER="iss-x"), title="t")
    assert isinstance(app.state.verifier, JWTVerifier)
    assert isinstance(app.state.verifier.keys, StaticKeySource)
    assert app.state.verifier.issuer == "iss-x"


def test_owned_verifier_is_closed_on_shutdown() -> None:
    app = create_app(ServiceSettings(JWKS_URL="http://idp.test/jwks"), title="t")
    keys = app.state.verifier.keys
    assert isinstance(keys, JWKSKeySource)
    with TestClient(app):
        client = keys._client_or_new()
        assert not client.is_closed
    assert client.is_closed


def test_two_apps_are_independent() -> None:
    first = create_app(ServiceSettings(), title="one", verifier=RecordingVerifier())
    second = create_app(ServiceSettings(), title="two")
    assert first is not second
    assert first.state.verifier is not second.state.verifier
    first.state.readiness.add(Check("database", lambda: _noop()))
    assert second.state.readiness.checks == ()


async def _noop() -> None:
    return None
