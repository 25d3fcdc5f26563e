import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from kairos_localstack.services import STRIPE_WEBHOOK_PATH
from kairos_localstack.traefik import (
    PLUGINS_SOURCE,
    TraefikGateway,
    dynamic_config,
    request_id_plugin_available,
)

from .local_http import QuietHandler, serving

pytestmark = pytest.mark.integration
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"


class EchoPath(QuietHandler):
    """GET answers the path; POST answers what arrived (path, request id, raw body).
    GET .../stream (or Accept: text/event-stream) sends one event, then holds the stream
    open until ``release`` is set."""

    release = threading.Event()

    def do_GET(self) -> None:
        if self.path.endswith("/stream") or "event-stream" in self.headers.get("Accept", ""):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("X-Request-Id", self.headers.get("X-Request-Id") or "made-by-svc")
            self.end_headers()
            self.wfile.write(b"event: hello\ndata: {}\n\n")
            self.wfile.flush()
            self.release.wait(10)
            self.close_connection = True
            return
        self.send(self.path.encode())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = {
            "path": self.path,
            "request_id": self.headers.get("X-Request-Id"),
            "body": body.decode("latin-1"),
        }
        self.send(json.dumps(seen).encode())


@pytest.fixture
def backend() -> Iterator[int]:
    with serving(EchoPath) as port:
        yield port


@pytest.fixture
def gateway_factory(tmp_path: Path) -> Iterator[Any]:
    started: list[TraefikGateway] = []

    def start(routes: dict[str, int], **kw: Any) -> TraefikGateway:
        gw = TraefikGateway(
            tmp_path / f"gw{len(started)}", routes, log_file=tmp_path / "t.log", **kw
        )
        started.append(gw)
        gw.start()
        return gw

    yield start
    for gw in started:
        gw.stop()


def test_prefix_must_end_with_slash() -> None:
    with pytest.raises(ValueError):
        dynamic_config({"/api/booking": 1})


def test_unlimited_path_has_its_own_router_without_the_rate_limit() -> None:
    config = dynamic_config(
        {"/api/booking/": 1, "/api/payments/": 2},
        request_id=True,
        unlimited_paths=[STRIPE_WEBHOOK_PATH, "/api/other/x"],
    )["http"]
    hook = config["routers"]["api-payments-webhooks-stripe-unlimited"]
    assert hook["rule"] == f"Path(`{STRIPE_WEBHOOK_PATH}`)"
    assert hook["middlewares"] == ["request-id", "api-payments-strip"]
    assert hook["service"] == "api-payments"
    assert config["routers"]["api-payments"]["middlewares"] == [
        "request-id",
        "rate-limit",
        "api-payments-strip",
    ]
    # one per prefix, one per prefix for event streams, the webhook; /api/other/x is no route
    assert len(config["routers"]) == 5


def test_routes_exact_prefix_and_strips_it(
    gateway_factory: Any, tmp_path: Path, backend: int
) -> None:
    gateway = gateway_factory({"/api/booking/": backend})
    ok = httpx.get(f"{gateway.url}/api/booking/health/ready")
    assert (ok.status_code, ok.text) == (200, "/health/ready")
    assert httpx.get(f"{gateway.url}/api/bookingX/health/ready").status_code == 404
    assert httpx.get(f"{gateway.url}/api/payments/health/ready").status_code == 404
    static = (tmp_path / "gw0" / "traefik.yaml").read_text()
    assert '"checkNewVersion": false' in static and '"sendAnonymousUsage": false' in static


def test_the_deploy_request_id_plugin_is_found() -> None:
    # The local gateway reuses deploy/gateway's plugin; a move must not silently drop it.
    assert request_id_plugin_available(PLUGINS_SOURCE), PLUGINS_SOURCE


def test_request_ids_are_made_kept_and_passed_on(gateway_factory: Any, backend: int) -> None:
    gateway = gateway_factory({"/api/payments/": backend})
    assert gateway.request_id
    with httpx.Client(base_url=gateway.url, timeout=5) as client:
        made = client.post("/api/payments/x", content=b"{}")
        rid = made.headers["X-Request-Id"]
        assert re.fullmatch(UUID4, rid)
        assert made.json()["request_id"] == rid  # the service got the same id
        kept = client.post("/api/payments/x", headers={"X-Request-Id": "client-id-1"})
        assert kept.json()["request_id"] == "client-id-1"
        assert kept.headers["X-Request-Id"] == "client-id-1"
        bad = client.post("/api/payments/x", headers={"X-Request-Id": "bad id\twith spaces"})
        assert re.fullmatch(UUID4, bad.json()["request_id"])


def test_rate_limit_429s_a_burst_but_never_the_stripe_webhook(
    gateway_factory: Any, backend: int
) -> None:
    gateway = gateway_factory(
        {"/api/payments/": backend},
        rate_average=5,
        rate_burst=5,
        unlimited_paths=[STRIPE_WEBHOOK_PATH],
    )
    with httpx.Client(base_url=gateway.url, timeout=10) as client:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: client.get("/api/payments/x"), range(40)))
        codes = [a.status_code for a in answers]
        assert 429 in codes and 200 in codes, sorted(set(codes))
        # The gateway's own 429 carries a request id too (request-id runs first).
        throttled = next(a for a in answers if a.status_code == 429)
        assert re.fullmatch(UUID4, throttled.headers.get("X-Request-Id", ""))
        # Still throttled for ordinary routes, and the webhook passes every time, raw body intact.
        raw = b'{"id": "evt_1",  "type":"payment_intent.succeeded"}\n'
        with ThreadPoolExecutor(8) as pool:
            hooks = list(
                pool.map(lambda _: client.post(STRIPE_WEBHOOK_PATH, content=raw), range(40))
            )
        assert {h.status_code for h in hooks} == {200}
        assert hooks[0].json()["path"] == "/webhooks/stripe"
        assert hooks[0].json()["body"] == raw.decode()


@pytest.mark.parametrize(
    ("path", "accept"),
    [("/api/booking/me/bookings/stream", None), ("/api/booking/feed", "text/event-stream")],
)
def test_event_streams_are_not_buffered(
    gateway_factory: Any, backend: int, path: str, accept: str | None
) -> None:
    gateway = gateway_factory({"/api/booking/": backend})
    EchoPath.release.clear()
    headers = {"Accept": accept} if accept else {}
    try:
        with httpx.stream("GET", gateway.url + path, headers=headers, timeout=5) as resp:
            # The first event arrives while the backend still holds the stream open.
            first = next(resp.iter_lines())
            assert first == "event: hello"
            assert resp.headers.get_list("X-Request-Id") == ["made-by-svc"]
    finally:
        EchoPath.release.set()


def test_a_service_that_is_down_is_a_503_problem_not_a_502(
    gateway_factory: Any, backend: int
) -> None:
    from kairos_localstack.docs_server import DocsServer
    from kairos_localstack.ports import free_port

    docs = DocsServer([])
    docs.start()
    try:
        nobody = free_port()  # a service process that is down: connection refused
        gateway = gateway_factory(
            {"/api/booking/": nobody, "/api/payments/": backend}, problems_port=docs.port
        )
        down = httpx.post(f"{gateway.url}/api/booking/holds", json={"slot": "x"})
        assert down.status_code == 503, down.text
        assert down.headers["content-type"] == "application/problem+json"
        assert down.headers.get("retry-after") == "1"
        body = down.json()
        assert body["status"] == 503
        assert body["type"].endswith("/service-unavailable")
        # A service that answers is untouched, its own status and body.
        up = httpx.get(f"{gateway.url}/api/payments/health/ready")
        assert (up.status_code, up.text) == (200, "/health/ready")
    finally:
        docs.stop()
