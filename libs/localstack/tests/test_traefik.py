import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from kairos_localstack.traefik import TraefikGateway, dynamic_config

pytestmark = pytest.mark.integration


class EchoPath(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def backend() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoPath)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def test_prefix_must_end_with_slash() -> None:
    with pytest.raises(ValueError):
        dynamic_config({"/api/booking": 1})


def test_routes_exact_prefix_and_strips_it(tmp_path: Path, backend: int) -> None:
    gateway = TraefikGateway(tmp_path, {"/api/booking/": backend}, log_file=tmp_path / "t.log")
    gateway.start()
    try:
        ok = httpx.get(f"{gateway.url}/api/booking/health/ready")
        assert (ok.status_code, ok.text) == (200, "/health/ready")
        assert httpx.get(f"{gateway.url}/api/bookingX/health/ready").status_code == 404
        assert httpx.get(f"{gateway.url}/api/payments/health/ready").status_code == 404
    finally:
        gateway.stop()
    static = (tmp_path / "traefik.yaml").read_text()
    assert '"checkNewVersion": false' in static and '"sendAnonymousUsage": false' in static
