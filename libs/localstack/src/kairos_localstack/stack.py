"""The whole local platform: infrastructure, the four services and the gateway.

``Stack(data_dir).up()`` starts (or reuses, when the environment names a real server):
PostgreSQL, Apache Kafka (one node, or three with ``kafka_nodes=3``), localstripe, Radicale,
the SMTP sink; creates each service's
database and every topic (plus its .dlq); runs each service's migrations; starts each
service's http/consumer/relay processes, the docs and web servers (the web app's production
build, ``web/dist``, made first when missing or stale) and Traefik; waits until everything is
ready through the gateway; with ``prometheus=True`` (KAIROS_PROMETHEUS=1, `--prometheus`)
starts a Prometheus scraping every service process (kairos_localstack.prometheus); and
records it all in <data>/state.json. Every process runs
detached in its own session with output in <data>/logs/<name>.log, so it outlives the
`kairos-stack up` command. ``down()`` stops whatever state.json lists. A failed ``up()``
stops what it started.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from kairos_localstack.docs_server import DocsServer, DocsSource
from kairos_localstack.kafka import ApacheKafka, ensure_topics
from kairos_localstack.kafka_metadata import cluster_metadata
from kairos_localstack.keys import ensure_jwt_keys, ensure_secret
from kairos_localstack.oidc import discover_jwks_uri, sign_in_from_env
from kairos_localstack.ports import free_port, port_free
from kairos_localstack.postgres import PostgresServer, create_database
from kairos_localstack.proc import (
    StartupError,
    run_sync,
    spawn,
    start_ticks,
    stop_group,
    wait_groups_gone,
)
from kairos_localstack.prometheus import (
    PrometheusServer,
    ScrapeTarget,
    targets_file,
    write_targets,
)
from kairos_localstack.promtool_dist import resolve_server, rule_files
from kairos_localstack.radicale import RadicaleServer
from kairos_localstack.services import (
    DOCS_PREFIX,
    SERVICES,
    STRIPE_WEBHOOK_PATH,
    ServiceSpec,
    all_topics,
)
from kairos_localstack.smtp_sink import SmtpSink
from kairos_localstack.state import ProcessRecord, StackState, is_infrastructure
from kairos_localstack.stripe import (
    LOCAL_API_KEY,
    LOCAL_PUBLISHABLE_KEY,
    LocalStripe,
    register_webhook,
)
from kairos_localstack.traefik import (
    CORS_ORIGINS_ENV,
    DEFAULT_RATE_AVERAGE,
    DEFAULT_RATE_BURST,
    TraefikGateway,
    configured_cors_origins,
)
from kairos_localstack.web_server import CHECKOUT, WebServer, ensure_web_build

TOPIC_PARTITIONS = 3  # >= 2 so two consumer replicas both get work
#: Kafka nodes of a local stack: 1, or 3 on demand (KAIROS_KAFKA_NODES, `--kafka-nodes`)
KAFKA_NODES_ENV = "KAIROS_KAFKA_NODES"
#: `kairos-stack up` (make up) puts the gateway on KAIROS_GATEWAY_PORT, else on 8080 when
#: that is free (a URL that stays the same from one `make up` to the next), else on any free
#: port; other stacks (tests, benches, fault runs) take any free port unless told otherwise.
GATEWAY_PORT_ENV = "KAIROS_GATEWAY_PORT"
DEFAULT_GATEWAY_PORT = 8080
#: Prometheus on demand (default off): KAIROS_PROMETHEUS=1, `kairos-stack up --prometheus`
PROMETHEUS_ENV = "KAIROS_PROMETHEUS"
PROMETHEUS_READY_TIMEOUT = 60.0


def env_flag(value: str | None) -> bool:
    """An on/off environment variable: 1, true, yes, on (any case) are on."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def gateway_port_from_env(env: Mapping[str, str]) -> int | None:
    """``KAIROS_GATEWAY_PORT`` as a port number (None when unset or empty)."""
    raw = (env.get(GATEWAY_PORT_ENV) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StartupError(f"{GATEWAY_PORT_ENV}={raw!r} is not a port number")
    return int(raw)


def choose_gateway_port(pinned: int | None, preferred: int | None) -> int:
    """``pinned`` if nothing listens there (else a StartupError naming it); without it,
    ``preferred`` when free, else any free port. A port is never assumed free."""
    if pinned:
        if not port_free(pinned):
            raise StartupError(
                f"gateway port {pinned} ({GATEWAY_PORT_ENV}) is taken: something listens there"
            )
        return pinned
    if preferred and port_free(preferred):
        return preferred
    return free_port()


def repo_root() -> Path:
    """The checkout root: the nearest parent holding uv.lock (else the working directory)."""
    for parent in [Path.cwd(), *Path.cwd().parents]:
        if (parent / "uv.lock").exists() and (parent / "pyproject.toml").exists():
            return parent
    return Path.cwd()


def default_data_dir() -> Path:
    env = os.environ.get("KAIROS_DATA_DIR")
    return Path(env).resolve() if env else repo_root() / ".kairos"


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Stack:
    def __init__(
        self,
        data_dir: Path | None = None,
        services: Sequence[ServiceSpec] | None = None,
        env: Mapping[str, str] | None = None,
        ready_timeout: float = 180.0,
        kafka_nodes: int | None = None,
        gateway_port: int | None = None,
        preferred_gateway_port: int | None = None,
        prometheus: bool | None = None,
        postgres_settings: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir or default_data_dir()).resolve()
        self.logs = self.data_dir / "logs"
        self.services = tuple(SERVICES if services is None else services)
        self.env = dict(os.environ if env is None else env)
        self.kafka_nodes = kafka_nodes or int(self.env.get(KAFKA_NODES_ENV) or 1)
        self.ready_timeout = ready_timeout
        #: the gateway's port: this one (taken = StartupError), else the preferred one when
        #: free, else any free port (`kairos-stack up`: KAIROS_GATEWAY_PORT, 8080)
        self.gateway_port = gateway_port
        self.preferred_gateway_port = preferred_gateway_port
        #: start Prometheus too (None: KAIROS_PROMETHEUS of env decides; default off)
        self.prometheus = (
            env_flag(self.env.get(PROMETHEUS_ENV)) if prometheus is None else prometheus
        )
        #: extra settings for the private PostgreSQL (``PostgresServer.settings``)
        self.postgres_settings = dict(postgres_settings or {})
        self.state = StackState(data_dir=str(self.data_dir))
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    # -- bookkeeping -----------------------------------------------------------------

    def _record(
        self, name: str, proc: subprocess.Popen[bytes], port: int | None, **kw: Any
    ) -> None:
        self._children[proc.pid] = proc
        log = str(self.logs / f"{name}.log")
        rec = ProcessRecord(name, proc.pid, port, log, started=start_ticks(proc.pid), **kw)
        self.state.processes.append(rec)
        self.state.save()  # saved as we go: `down` can clean up after a failed `up`

    def status(self) -> StackState | None:
        return StackState.load(self.data_dir)

    def is_up(self) -> bool:
        state = self.status()
        return state is not None and state.any_alive()

    # -- up / down ---------------------------------------------------------------------

    def up(self) -> StackState:
        existing = self.status()
        if existing is not None and existing.any_alive():
            raise AlreadyUp(existing)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        self.state.save()
        try:
            self._start_infrastructure()
            self._provision()
            self._start_services()
            self._wait_services_ready()
            if self.prometheus:
                self._start_prometheus()
        except BaseException:
            self.down()
            raise
        return self.state

    def down(self) -> None:
        state = self.status() or self.state
        state.stop_all(children=self._children)
        state.processes = [p for p in state.processes if p.alive]
        if state.processes:
            state.save()
        else:
            state.path.unlink(missing_ok=True)

    # -- the steps -----------------------------------------------------------------

    def _start_infrastructure(self) -> None:
        env, ep = self.env, self.state.endpoints
        private_key, public_key = ensure_jwt_keys(self.data_dir)
        ep["jwt_private_key_file"], ep["jwt_public_key_file"] = str(private_key), str(public_key)
        ep["jwt_issuer"] = env.get("JWT_ISSUER", "kairos-local")
        ep["jwt_audience"] = env.get("JWT_AUDIENCE", "kairos")
        sign_in = sign_in_from_env(env)
        if sign_in is not None:  # people sign in at an OIDC issuer, as deployed
            ep["web_sign_in"] = sign_in
            ep["jwt_issuer"] = sign_in["issuer"]
            ep["jwks_url"] = discover_jwks_uri(sign_in["issuer"])

        if env.get("DATABASE_URL"):
            pg = PostgresServer.external(env["DATABASE_URL"])
        else:
            pg = PostgresServer(self.data_dir / "postgres", settings=self.postgres_settings)
            pg.start()
            assert pg.proc is not None
            self._record("postgres", pg.proc, pg.port, stop_signal="SIGINT")
        ep["database_url"] = pg.url("postgres")

        broker = self._broker()
        if not broker.is_external:
            broker.start()
            for node in broker.nodes:
                assert node.proc is not None
                self._record(node.name, node.proc, node.port)
        ep["kafka_bootstrap"] = broker.bootstrap
        # A cluster's topics keep 3 copies (min.insync.replicas 2: one node may be lost).
        ep["kafka_replication"] = int(env.get("KAFKA_REPLICATION_FACTOR") or 0) or min(
            3, len(broker.nodes) or 1
        )

        ep["stripe_webhook_secret"] = env.get("STRIPE_WEBHOOK_SECRET") or (
            "whsec_" + secrets.token_hex(16)
        )
        if env.get("STRIPE_API_BASE") and env.get("STRIPE_API_KEY"):
            ep["stripe_api_base"], ep["stripe_api_key"] = (
                env["STRIPE_API_BASE"],
                env["STRIPE_API_KEY"],
            )
        else:
            stripe = LocalStripe(
                state_file=self.data_dir / "localstripe.pickle",
                log_file=self.logs / "localstripe.log",
            )
            stripe.start()
            assert stripe.proc is not None
            self._record("localstripe", stripe.proc, stripe.port)
            ep["stripe_api_base"], ep["stripe_api_key"] = stripe.api_base, LOCAL_API_KEY
            ep["stripe_local"] = True

        if env.get("CALDAV_URL"):
            ep["caldav_url"] = env["CALDAV_URL"]
        else:
            cal = RadicaleServer(self.data_dir / "radicale", log_file=self.logs / "radicale.log")
            cal.start()
            assert cal.proc is not None
            self._record("radicale", cal.proc, cal.port)
            ep["caldav_url"] = cal.url

        if env.get("SMTP_HOST"):
            ep["smtp_host"], ep["smtp_port"] = env["SMTP_HOST"], int(env.get("SMTP_PORT", "25"))
        else:
            sink = SmtpSink(self.data_dir / "maildir", log_file=self.logs / "smtp.log")
            sink.start()
            assert sink.proc is not None
            self._record("smtp", sink.proc, sink.port)
            ep["smtp_host"], ep["smtp_port"] = "127.0.0.1", sink.port
            ep["maildir"] = str(sink.maildir)
        self.state.save()

    def _provision(self) -> None:
        """Per-service databases, every topic, then each service's migrations (in parallel)."""
        ep = self.state.endpoints
        server_url = ep["database_url"]

        async def create_all() -> None:
            for svc in self.services:
                url = await create_database(server_url, svc.database)
                self.state.services[svc.name] = {"database_url": url, "prefix": svc.prefix}
            await ensure_topics(
                ep["kafka_bootstrap"],
                all_topics(),
                partitions=TOPIC_PARTITIONS,
                replication=int(ep.get("kafka_replication", 1)),
            )

        run_sync(create_all)
        self.state.save()

        running = []
        for svc in self.services:
            log = self.logs / f"{svc.name}-migrate.log"
            argv = [sys.executable, "-m", svc.module, "migrate"]
            running.append((svc, log, spawn(argv, log, env=self._service_env(svc, {}))))
        deadline = time.monotonic() + self.ready_timeout
        for svc, log, proc in running:
            try:
                code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                raise StartupError(f"{svc.name} migrate timed out; see {log}") from None
            if code != 0:
                raise StartupError(
                    f"{svc.name} migrate exited {code}; see {log}:\n{_log_tail(log)}"
                )

    def _service_env(self, svc: ServiceSpec, extra: Mapping[str, str]) -> dict[str, str]:
        ep = self.state.endpoints
        env = dict(self.env)
        env.update(
            SERVICE_NAME=svc.name,
            DATABASE_URL=self.state.services[svc.name]["database_url"],
            KAFKA_BOOTSTRAP_SERVERS=ep["kafka_bootstrap"],
            JWT_PUBLIC_KEY_FILE=ep["jwt_public_key_file"],
            JWT_ISSUER=ep["jwt_issuer"],
            JWT_AUDIENCE=ep["jwt_audience"],
            CALDAV_URL=ep["caldav_url"],
            SMTP_HOST=str(ep["smtp_host"]),
            SMTP_PORT=str(ep["smtp_port"]),
            LOG_JSON=self.env.get("LOG_JSON", "true"),
            PYTHONUNBUFFERED="1",
        )
        for var in ("HTTP_PORT", "METRICS_PORT", "STRIPE_API_BASE", "STRIPE_API_KEY", "JWKS_URL"):
            env.pop(var, None)  # only what we set below may reach the process
        if ep.get("jwks_url"):
            env["JWKS_URL"] = ep["jwks_url"]  # the OIDC issuer's keys, not the stack's
        if svc.needs_stripe:
            env.update(
                STRIPE_API_BASE=ep["stripe_api_base"],
                STRIPE_API_KEY=ep["stripe_api_key"],
                STRIPE_WEBHOOK_SECRET=ep["stripe_webhook_secret"],
            )
        for var in svc.secrets:  # the environment's own value wins, else the stack's
            if not env.get(var):
                env[var] = ensure_secret(self.data_dir, var)
        public_url = ep.get("public_url")  # known once the gateway's port is chosen
        if svc.needs_public_url and public_url and not env.get("PUBLIC_URL"):
            env["PUBLIC_URL"] = public_url  # the links in mails lead to this gateway
        env.update(svc.extra_env)
        env.update(extra)
        return env

    def _start_services(self) -> None:
        routes: dict[str, int] = {}
        # The gateway starts last (it routes to the services' ports) but its address is
        # chosen first: the services that write links people follow are told it.
        gateway_port = choose_gateway_port(self.gateway_port, self.preferred_gateway_port)
        self.state.endpoints["public_url"] = f"http://127.0.0.1:{gateway_port}"
        for svc in self.services:
            for role in svc.roles:
                name = f"{svc.name}-{role}"
                port = free_port()
                if role == "http":
                    extra = {"HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port)}
                    routes[svc.prefix] = port
                    self.state.services[svc.name]["http_port"] = port
                else:
                    extra = {"METRICS_PORT": str(port)}
                    self.state.services[svc.name][f"{role}_metrics_port"] = port
                argv = [sys.executable, "-m", svc.module, role]
                proc = spawn(argv, self.logs / f"{name}.log", env=self._service_env(svc, extra))
                self._record(name, proc, port)

        # The merged OpenAPI / AsyncAPI documents, behind the gateway at /api/docs/.
        docs = DocsServer(
            [DocsSource(svc.name, svc.prefix, routes[svc.prefix]) for svc in self.services],
            log_file=self.logs / "docs.log",
        )
        docs.start()
        assert docs.proc is not None and docs.port is not None
        self._record("docs", docs.proc, docs.port)
        routes[DOCS_PREFIX] = docs.port

        # The web app (web/dist, built when stale) and the local sign-in, at / (lowest
        # priority: every /api/ prefix wins).
        ep = self.state.endpoints
        stripe_js_url, stripe_publishable_key = self._stripe_js()
        web = WebServer(
            ensure_web_build(CHECKOUT, self.logs / "web-build.log"),
            Path(ep["jwt_private_key_file"]),
            ep["jwt_issuer"],
            ep["jwt_audience"],
            log_file=self.logs / "web.log",
            stripe_js_url=stripe_js_url,
            stripe_publishable_key=stripe_publishable_key,
            sign_in=ep.get("web_sign_in"),
        )
        web.start()
        assert web.proc is not None and web.port is not None
        self._record("web", web.proc, web.port)

        gateway = self._start_gateway(routes, docs.port, web.port, gateway_port)
        assert gateway.proc is not None
        self._record("traefik", gateway.proc, gateway.port)
        self.state.gateway_url = gateway.url
        ep["web_url"] = gateway.url + "/"
        if self.state.endpoints.get("stripe_local") and any(s.needs_stripe for s in self.services):
            register_webhook(
                self.state.endpoints["stripe_api_base"],
                gateway.url + STRIPE_WEBHOOK_PATH,
                self.state.endpoints["stripe_webhook_secret"],
            )
        self.state.save()

    def _stripe_js(self) -> tuple[str, str]:
        """Where the web app loads Stripe.js and with which publishable key: localstripe's
        stand-in (served at ``<localstripe>/js.stripe.com/v3/``) with a local test key, or
        Stripe's own script with STRIPE_PUBLISHABLE_KEY when a real Stripe is named."""
        ep = self.state.endpoints
        if ep.get("stripe_local"):
            base = str(ep["stripe_api_base"]).rstrip("/")
            return f"{base}/js.stripe.com/v3/", LOCAL_PUBLISHABLE_KEY
        js_url = self.env.get("STRIPE_JS_URL") or "https://js.stripe.com/v3/"
        return js_url, self.env.get("STRIPE_PUBLISHABLE_KEY", "")

    def _start_gateway(
        self,
        routes: Mapping[str, int],
        problems_port: int,
        root_port: int | None = None,
        port: int | None = None,
    ) -> TraefikGateway:
        """Traefik on ``port`` (chosen before the services started), else ``gateway_port``,
        else the preferred port when free, else any; CORS for KAIROS_CORS_ORIGINS (default
        http://localhost:5173) and its own origin."""
        pinned = self.gateway_port
        port = port or choose_gateway_port(pinned, self.preferred_gateway_port)
        while True:
            gateway = TraefikGateway(
                self.data_dir / "traefik",
                routes,
                port=port,
                log_file=self.logs / "traefik.log",
                rate_average=int(self.env.get("KAIROS_GATEWAY_RATE_AVERAGE", DEFAULT_RATE_AVERAGE)),
                rate_burst=int(self.env.get("KAIROS_GATEWAY_RATE_BURST", DEFAULT_RATE_BURST)),
                unlimited_paths=[STRIPE_WEBHOOK_PATH],
                problems_port=problems_port,
                cors_origins=configured_cors_origins(self.env.get(CORS_ORIGINS_ENV)),
                root_port=root_port,
            )
            try:
                gateway.start()
                return gateway
            except StartupError:
                gateway.stop()
                # Free when looked at, taken before Traefik bound it: any other port will
                # do, unless that one was asked for (calendar-sync's mail links then still
                # name the first: a rare race, they only lead to this stack's pages).
                if pinned or port_free(port):
                    raise
                port = free_port()

    # -- Prometheus on demand ------------------------------------------------------------

    @property
    def prometheus_home(self) -> Path:
        return self.data_dir / "prometheus"

    def scrape_targets(self) -> list[ScrapeTarget]:
        """Every recorded service process with a port: each service's http, consumer and
        relay, and replicas (``<service>-<role>-<n>``)."""
        targets = []
        for rec in self.state.processes:
            for svc in self.services:
                role = rec.name[len(svc.name) + 1 :].split("-")[0]
                if rec.name.startswith(svc.name + "-") and role in svc.roles and rec.port:
                    targets.append(ScrapeTarget(rec.name, role, rec.port))
        return targets

    def _start_prometheus(self) -> None:
        """Debian's prometheus (unpacked into the cache on first use, never installed) on a
        free port, scraping :meth:`scrape_targets` and loading deploy/monitoring's rules."""
        started = time.monotonic()
        server = PrometheusServer(
            resolve_server(),
            self.prometheus_home,
            self.scrape_targets(),
            rule_files(),
            port=free_port(),
            log_file=self.logs / "prometheus.log",
        )
        try:
            server.start(PROMETHEUS_READY_TIMEOUT)
        except BaseException:
            server.stop()  # not recorded yet: down() would not find it
            raise
        assert server.proc is not None
        self._record("prometheus", server.proc, server.port)
        self.state.endpoints["prometheus_url"] = server.url
        self.state.endpoints["prometheus_start_seconds"] = round(time.monotonic() - started, 2)
        self.state.save()

    def _refresh_scrape_targets(self) -> None:
        """Rewrite Prometheus's target list (a replica came): it reloads the file itself."""
        if "prometheus_url" in self.state.endpoints:
            write_targets(targets_file(self.prometheus_home), self.scrape_targets())

    def _ready_urls(self) -> dict[str, str]:
        """Process name -> the URL that answers 200 once it is ready."""
        urls: dict[str, str] = {}
        for svc in self.services:
            info = self.state.services[svc.name]
            for role in svc.roles:
                if role == "http":
                    urls[f"{svc.name}-http"] = f"{self.state.gateway_url}{svc.prefix}health/ready"
                else:
                    port = info[f"{role}_metrics_port"]
                    urls[f"{svc.name}-{role}"] = f"http://127.0.0.1:{port}/health/ready"
        for rec in self.state.processes:  # replicas (add_replica); not a broker node
            replica = rec.name.rsplit("-", 1)[-1].isdigit() and not is_infrastructure(rec.name)
            if rec.name not in urls and rec.port and replica:
                urls[rec.name] = f"http://127.0.0.1:{rec.port}/health/ready"
        return urls

    def _wait_services_ready(self) -> None:
        pending = self._ready_urls()
        records = {r.name: r for r in self.state.processes}
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=2) as client:
            while pending:
                for name, url in list(pending.items()):
                    rec = records[name]
                    if not rec.alive:
                        log = Path(rec.log or "")
                        raise StartupError(f"{name} exited; see {log}:\n{_log_tail(log)}")
                    try:
                        if client.get(url).status_code == 200:
                            del pending[name]
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise StartupError(
                        f"not ready after {self.ready_timeout:.0f}s: {sorted(pending)}"
                    )
                if pending:
                    time.sleep(0.25)

    # -- fault injection (kairos_e2e.faults) ----------------------------------------

    def _replace_record(self, name: str, proc: subprocess.Popen[bytes], **kw: Any) -> None:
        old = self.record(name)
        self.state.processes.remove(old)
        self._children.pop(old.pid, None)
        self._record(name, proc, old.port, stop_signal=old.stop_signal, **kw)

    def record(self, name: str) -> ProcessRecord:
        """The recorded process called name (``booking-http``, ``kafka``, ``postgres``...)."""
        if not self.state.processes:
            self.state = self.status() or self.state
        for rec in self.state.processes:
            if rec.name == name:
                return rec
        raise KeyError(f"no recorded process {name!r}")

    def service_process_names(self) -> list[str]:
        return [f"{svc.name}-{role}" for svc in self.services for role in svc.roles]

    def restart_process(self, name: str, timeout: float = 10.0) -> ProcessRecord:
        """SIGKILL a service process (its whole group) and start it again with the same
        argv, environment, port and log file; state.json is updated. Does not wait for it
        to be ready (``wait_process_ready``)."""
        svc = next((s for s in self.services if name.startswith(s.name + "-")), None)
        role = name[len(svc.name) + 1 :] if svc is not None else ""
        if svc is None or role not in svc.roles:
            raise KeyError(f"{name!r} is not a service process of this stack")
        rec = self.record(name)
        if rec.alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(rec.pid, signal.SIGKILL)
        child = self._children.get(rec.pid)
        wait_groups_gone([rec.pid], timeout, {rec.pid: child} if child is not None else None)
        port = rec.port
        if role == "http":
            extra = {"HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port)}
        else:
            extra = {"METRICS_PORT": str(port)}
        argv = [sys.executable, "-m", svc.module, role]
        proc = spawn(argv, self.logs / f"{name}.log", env=self._service_env(svc, extra))
        self._replace_record(name, proc)
        return self.record(name)

    def add_replica(self, service: str, role: str) -> ProcessRecord:
        """One more consumer or relay process of ``service`` (``<service>-<role>-<n>``, n from
        2), as an SRE scales a deployment: same argv and environment, its own metrics port
        and log; recorded, so ``down`` stops it with the rest. HTTP replicas would need a
        second gateway server and are not offered here."""
        svc = next((s for s in self.services if s.name == service), None)
        if svc is None or role not in svc.roles or role == "http":
            raise KeyError(f"{service!r} has no {role!r} process to replicate")
        taken = {r.name for r in self.state.processes}
        n = 2
        while f"{service}-{role}-{n}" in taken:
            n += 1
        name, port = f"{service}-{role}-{n}", free_port()
        argv = [sys.executable, "-m", svc.module, role]
        env = self._service_env(svc, {"METRICS_PORT": str(port)})
        self._record(name, spawn(argv, self.logs / f"{name}.log", env=env), port)
        self._refresh_scrape_targets()
        return self.record(name)

    def wait_process_ready(self, name: str, timeout: float = 60.0) -> None:
        """Poll the process's /health/ready until it answers 200 (or fail at the deadline)."""
        url = self._ready_urls()[name]
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(url).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise StartupError(f"{name} not ready after {timeout:.0f}s")
                time.sleep(0.2)

    def signal_process(self, name: str, sig: int) -> None:
        """Send sig to a recorded process group (SIGSTOP/SIGCONT pause and resume it)."""
        rec = self.record(name)
        if not rec.alive:
            raise RuntimeError(f"{name} is not running")
        os.killpg(rec.pid, sig)

    def _broker(self) -> ApacheKafka:
        """The stack's Kafka (not started): $KAFKA_BOOTSTRAP_SERVERS, or the local one whose
        nodes live in <data>/kafka (the same object can restart one of them later)."""
        return ApacheKafka.from_env(
            self.logs / "kafka.log", self.data_dir / "kafka", nodes=self.kafka_nodes
        )

    def kafka_node_names(self) -> list[str]:
        return [r.name for r in self.state.processes if r.name.split("-")[0] == "kafka"]

    def busiest_kafka_node(self) -> str:
        """The running node leading the most partitions (the one a crash hurts most)."""
        names = [n for n in self.kafka_node_names() if self.record(n).alive]
        if len(names) == 1:
            return names[0]
        counts = cluster_metadata(self.state.endpoints["kafka_bootstrap"]).leader_counts()
        return max(names, key=lambda n: counts.get(_node_id(n), 0))

    def kill_kafka_node(
        self, name: str | None = None, timeout: float = 30.0, graceful: bool = False
    ) -> str:
        """SIGKILL a broker node (default: the busiest), or stop it cleanly (SIGTERM: it
        hands its partitions over first); ``restart_kafka_node`` brings it back on the same
        log dir and ports."""
        name = name or self.busiest_kafka_node()
        rec = self.record(name)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(rec.pid, signal.SIGTERM if graceful else signal.SIGKILL)
        child = self._children.get(rec.pid)
        wait_groups_gone([rec.pid], timeout, {rec.pid: child} if child is not None else None)
        return name

    def wait_kafka_in_sync(self, timeout: float = 60.0) -> None:
        """Until every partition has all its replicas in sync again (after a node came
        back), so that the next node may go without leaving a partition under its
        min.insync.replicas."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError, ValueError):
                meta = cluster_metadata(self.state.endpoints["kafka_bootstrap"])
                if all(set(p.isr) == set(p.replicas) for p in meta.partitions):
                    return
            if time.monotonic() > deadline:
                raise StartupError(f"kafka partitions not back in sync after {timeout:.0f}s")
            time.sleep(0.2)

    def restart_kafka_node(self, name: str, timeout: float = 60.0) -> ProcessRecord:
        """Start a killed broker node again (its log dir kept: topics, offsets and committed
        group positions survive) and wait until it is a live broker; state.json updated."""
        rec = self.record(name)
        if rec.alive:
            self.kill_kafka_node(name)
        node = self._broker().restart(_node_id(name), timeout=timeout)
        assert node.proc is not None
        self._replace_record(name, node.proc)
        return self.record(name)

    def restart_postgres(self, timeout: float = 60.0) -> ProcessRecord:
        """Fast-stop the private PostgreSQL (SIGINT) and start it again on the same data
        directory and port; state.json is updated."""
        rec = self.record("postgres")
        stop_group(rec.pid, timeout=30, sig=signal.SIGINT, proc=self._children.get(rec.pid))
        pg = PostgresServer(
            self.data_dir / "postgres", port=rec.port, settings=self.postgres_settings
        )
        pg.start(timeout)
        assert pg.proc is not None
        self._replace_record("postgres", pg.proc)
        return self.record("postgres")


def _node_id(name: str) -> int:
    """A broker record's node id: ``kafka`` (a single node) is 1, ``kafka-<id>`` is id."""
    return int(name.split("-")[1]) if "-" in name else 1


@contextlib.contextmanager
def temporary_stack(
    prefix: str = "kairos-stack-",
    env: Mapping[str, str] | None = None,
    kafka_nodes: int = 1,
    services: Sequence[ServiceSpec] | None = None,
    gateway_port: int | None = None,
    prometheus: bool | None = None,
) -> Iterator[StackState]:
    """A stack (every service unless told) in a new temp folder (under /tmp: short Unix
    socket paths, parents the postgres user can traverse), stopped and removed on exit.
    env overrides os.environ."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    stack = Stack(
        root,
        services=services,
        env={**os.environ, **(env or {})},
        kafka_nodes=kafka_nodes,
        gateway_port=gateway_port,
        prometheus=prometheus,
    )
    try:
        yield stack.up()
    finally:
        stack.down()
        shutil.rmtree(root, ignore_errors=True)


class AlreadyUp(Exception):
    def __init__(self, state: StackState) -> None:
        super().__init__(f"stack already up at {state.gateway_url}")
        self.state = state
