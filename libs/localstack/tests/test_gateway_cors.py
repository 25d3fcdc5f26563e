"""CORS at the local gateway, through a real Traefik: an allowed origin's preflight is
answered (and cacheable) and its calls and event streams readable; any other origin is
never granted Access-Control-Allow-Origin. The same middleware as deploy/gateway."""

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from kairos_localstack.services import STRIPE_WEBHOOK_PATH
from kairos_localstack.traefik import (
    CORS_EXPOSED_HEADERS,
    CORS_REQUEST_HEADERS,
    DEFAULT_CORS_ORIGINS,
    TraefikGateway,
    allowed_cors_origins,
    configured_cors_origins,
    cors_middleware,
    dynamic_config,
)

from .local_http import QuietHandler, serving

pytestmark = pytest.mark.integration

DEPLOYED = Path(__file__).resolve().parents[3] / "deploy" / "gateway" / "dynamic.yml"
FRONTEND = "http://localhost:5173"
STRANGER = "https://evil.example"


class Backend(QuietHandler):
    """POST answers 201 with Location, Retry-After and X-Request-ID (what a frontend must
    read); OPTIONS answers 405 (a preflight that reaches a service was not answered by the
    gateway); GET .../stream sends one event and holds the stream open until released, any
    other GET answers 200."""

    release = threading.Event()

    def do_POST(self) -> None:
        body = b'{"ok":true}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Location", "/api/booking/holds/1")
        self.send_header("Retry-After", "1")
        self.send_header("X-Request-ID", self.headers.get("X-Request-Id") or "made-by-svc")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        if not self.path.endswith("/stream"):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b"event: hello\ndata: {}\n\n")
        self.wfile.flush()
        self.release.wait(10)
        self.close_connection = True


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[TraefikGateway]:
    with serving(Backend) as port:
        gw = TraefikGateway(
            tmp_path / "gw",
            {"/api/booking/": port, "/api/payments/": port},
            log_file=tmp_path / "traefik.log",
            unlimited_paths=[STRIPE_WEBHOOK_PATH],
            cors_origins=configured_cors_origins(None),
        )
        gw.start()
        try:
            yield gw
        finally:
            Backend.release.set()
            gw.stop()


def _cors(resp: httpx.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in resp.headers.items() if k.lower().startswith("access-control")}


def _preflight(gw: TraefikGateway, origin: str, path: str = "/api/booking/holds") -> httpx.Response:
    return httpx.options(
        gw.url + path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )


def test_origins_default_to_a_vite_dev_server_and_the_gateway_itself() -> None:
    assert configured_cors_origins(None) == list(DEFAULT_CORS_ORIGINS) == [FRONTEND]
    assert configured_cors_origins(" https://a.example , ,https://b.example/ ") == [
        "https://a.example",
        "https://b.example/",
    ]
    assert configured_cors_origins("") == []
    assert allowed_cors_origins(["https://b.example/", FRONTEND], 8080) == [
        "https://b.example",
        FRONTEND,
        "http://127.0.0.1:8080",
        "http://localhost:8080",
    ]
    # Without origins no CORS middleware at all (the routers stay as they were).
    plain = dynamic_config({"/api/booking/": 1}, request_id=True)["http"]
    assert "cors" not in plain["middlewares"]
    with_cors = dynamic_config({"/api/booking/": 1}, request_id=True, cors_origins=[FRONTEND])
    routers = with_cors["http"]["routers"]
    assert routers["api-booking"]["middlewares"][:3] == ["request-id", "cors", "rate-limit"]
    assert routers["api-booking-stream"]["middlewares"][:2] == ["cors", "rate-limit"]


def test_the_deployed_gateway_has_the_same_cors_middleware() -> None:
    deployed = yaml.safe_load(DEPLOYED.read_text())["http"]["middlewares"]["cors"]["headers"]
    local = cors_middleware(["x"])["headers"]
    assert {k: v for k, v in deployed.items() if k != "accessControlAllowOriginList"} == {
        k: v for k, v in local.items() if k != "accessControlAllowOriginList"
    }
    assert FRONTEND in deployed["accessControlAllowOriginList"]


def test_an_allowed_origin_preflights_and_reads_the_answer(gateway: TraefikGateway) -> None:
    pre = _preflight(gateway, FRONTEND)
    assert pre.status_code in (200, 204), pre.text  # answered by the gateway, not the 405
    cors = _cors(pre)
    assert cors["access-control-allow-origin"] == FRONTEND
    assert int(cors["access-control-max-age"]) >= 60  # the browser caches the preflight
    allowed = {h.strip().lower() for h in cors["access-control-allow-headers"].split(",")}
    assert {h.lower() for h in CORS_REQUEST_HEADERS} <= allowed
    methods = {m.strip() for m in cors["access-control-allow-methods"].split(",")}
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= methods

    call = httpx.post(
        gateway.url + "/api/booking/holds",
        headers={"Origin": FRONTEND, "Authorization": "Bearer x", "Idempotency-Key": "k1"},
        json={},
    )
    assert call.status_code == 201
    assert call.headers["access-control-allow-origin"] == FRONTEND
    assert "Origin" in call.headers.get_list("Vary", split_commas=True)
    exposed = {h.strip().lower() for h in call.headers["access-control-expose-headers"].split(",")}
    assert {h.lower() for h in CORS_EXPOSED_HEADERS} <= exposed
    assert {"x-request-id", "retry-after", "location"} <= exposed

    # The gateway's own origin (the /api/docs/ page) is allowed too.
    own = "http://localhost:" + str(gateway.port)
    assert _cors(_preflight(gateway, own))["access-control-allow-origin"] == own


def test_another_origin_is_never_granted(gateway: TraefikGateway) -> None:
    pre = _preflight(gateway, STRANGER)
    assert "access-control-allow-origin" not in _cors(pre)
    assert "access-control-allow-credentials" not in _cors(pre)
    call = httpx.post(gateway.url + "/api/booking/holds", headers={"Origin": STRANGER}, json={})
    assert call.status_code == 201  # not blocked at the gateway: the browser enforces CORS
    assert "access-control-allow-origin" not in _cors(call)
    assert "access-control-allow-credentials" not in _cors(call)
    # An origin that merely starts like an allowed one is another origin.
    twin = httpx.post(
        gateway.url + "/api/booking/holds", headers={"Origin": FRONTEND + ".evil.example"}
    )
    assert "access-control-allow-origin" not in _cors(twin)


def test_event_streams_are_cors_enabled_and_still_flushed(gateway: TraefikGateway) -> None:
    Backend.release.clear()
    try:
        with httpx.stream(
            "GET",
            gateway.url + "/api/booking/me/bookings/stream",
            headers={"Origin": FRONTEND, "Accept": "text/event-stream"},
            timeout=5,
        ) as resp:
            assert resp.headers["access-control-allow-origin"] == FRONTEND
            # The first event arrives while the backend still holds the stream open.
            assert next(resp.iter_lines()) == "event: hello"
    finally:
        Backend.release.set()
    pre = _preflight(gateway, FRONTEND, "/api/booking/me/bookings/stream")
    assert _cors(pre)["access-control-allow-origin"] == FRONTEND


def test_the_stripe_webhook_has_no_cors(gateway: TraefikGateway) -> None:
    hook = httpx.post(gateway.url + STRIPE_WEBHOOK_PATH, headers={"Origin": FRONTEND}, json={})
    assert hook.status_code == 201
    assert not _cors(hook)
