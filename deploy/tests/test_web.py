"""The web app's image, offline: deploy/web/nginx.conf read by a small model of nginx
(nginx_conf.py: which location a path selects, what it answers given a build's files), the
entry point that writes the Content-Security-Policy from config.json (run with sh), and
deploy/docker/Dockerfile.web. The same config also runs in a real nginx (Debian's package,
unpacked into a cache by kairos_localstack.nginx_dist) in front of the real build of web/,
which must answer as the model says. The Kubernetes objects, compose service and gateway
route are checked in test_manifests.py with the rest."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from kairos_localstack import nginx_dist
from kairos_localstack.ports import free_port
from kairos_localstack.web_server import CHECKOUT, ensure_web_build

DEPLOY = Path(__file__).resolve().parents[1]
WEB = DEPLOY / "web"
NGINX_CONF = WEB / "nginx.conf"
ENTRYPOINT = WEB / "entrypoint.sh"
EXAMPLE_CONFIG = WEB / "config.example.json"
PRODUCTION_CONFIG = DEPLOY / "k8s" / "overlays" / "production" / "web-config.json"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile.web"
BUILD = {"/index.html", "/assets/index-Ab12Cd34.js", "/assets/index-Ef56Gh78.css"}
SPA_PATHS = ("/", "/signin", "/signin/callback", "/mentor/setup", "/bookings", "/admin")


def _load_module(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


nginx = _load_module("kairos_nginx_conf", Path(__file__).parent / "nginx_conf.py")


@pytest.fixture(scope="module")
def conf() -> Any:
    return nginx.load(NGINX_CONF)


@pytest.fixture(scope="module")
def server(conf: Any) -> Any:
    (srv,) = conf.child("http").children("server")
    return srv


# --- nginx.conf ----------------------------------------------------------------------------


def test_the_model_of_nginx_is_real() -> None:
    """The model picks locations as nginx documents it (exact, then ^~ prefix, then regex,
    then the longest prefix) and reads quoting and comments."""
    srv = nginx.parse(
        """server { # a comment
            location = /x { return 201; }
            location ^~ /a/ { return 202; }
            location ~ \\.js$ { return 203; }
            location /a/b/ { return 204; }
            location /b/ { return 205 'a ; { quoted'; }
            location / { try_files $uri /index.html; }
        }"""
    ).child("server")
    assert nginx.get(srv, "/x", set()).status == 201
    assert nginx.get(srv, "/a/c.js", set()).status == 202  # the longest prefix, ^~: final
    assert nginx.get(srv, "/a/b/c.js", set()).status == 203  # the longest is plain: regex
    assert nginx.get(srv, "/a/b/c", set()).status == 204
    assert nginx.get(srv, "/b/c.js", set()).status == 203
    assert nginx.get(srv, "/b/c", set()).status == 205
    assert nginx.get(srv, "/nothing", set()).status == 500  # no /index.html: a cycle
    assert nginx.get(srv, "/nothing", {"/index.html"}).file == "/index.html"
    with pytest.raises(AssertionError):
        nginx.parse("server { location / { return 200; }")


def test_unknown_paths_are_the_app(server: Any) -> None:
    for path in (*SPA_PATHS, "/bookings/3f0c2b9e-5d1a-4c47-9a0e-2b6f1c9d8e7a", "/x/y/z"):
        answer = nginx.get(server, path, BUILD)
        assert (answer.status, answer.file) == (200, "/index.html"), path


def test_api_and_local_paths_are_never_the_app(server: Any) -> None:
    for path in (
        "/api",
        "/api/",
        "/api/booking/health/ready",
        "/api/bookingX/x",
        "/api/docs/",
        "/local",
        "/local/",
        "/local/tokens",
        "/local/anything/else",
    ):
        answer = nginx.get(server, path, BUILD)
        assert answer.status == 404, path
        assert answer.file is None, path
        assert answer.location.directive.children("return"), path  # for every method


def test_build_files_and_missing_assets(server: Any) -> None:
    for path in sorted(BUILD):
        answer = nginx.get(server, path, BUILD)
        assert (answer.status, answer.file) == (200, path)
    # A missing asset is a 404, never index.html served as a script or a stylesheet.
    for path in ("/assets/index-old.js", "/assets/nothing", "/missing.js", "/favicon.ico"):
        assert nginx.get(server, path, BUILD).status == 404, path
    # Dot files (the local stack's build stamp, say) are never served.
    assert nginx.get(server, "/.kairos-build", BUILD | {"/.kairos-build"}).status == 404


def test_config_json_is_the_mounted_file(server: Any) -> None:
    answer = nginx.get(server, "/config.json", BUILD)
    assert answer.file == "/etc/kairos/web/config.json"
    mount = answer.file.rsplit("/", 1)[0]
    gen = _load_module("kairos_k8s_generate_web", DEPLOY / "k8s" / "generate.py")
    assert gen.WEB_CONFIG_DIR == mount
    assert f"KAIROS_WEB_CONFIG={answer.file}" in DOCKERFILE.read_text()
    assert nginx.get(server, "/health", BUILD).status == 200


def test_caching(conf: Any, server: Any) -> None:
    http = conf.child("http")
    (cache,) = [d for d in server.children("add_header") if d.args[0] == "Cache-Control"]
    variable = cache.args[1]
    assert "always" not in cache.args  # errors are not cached for a year

    def cache_control(path: str) -> str:
        return str(nginx.map_value(http, variable, nginx.get(server, path, BUILD).uri))

    for path in sorted(BUILD - {"/index.html"}):
        assert cache_control(path) == "public, max-age=31536000, immutable", path
    for path in (*SPA_PATHS, "/index.html", "/config.json"):
        assert cache_control(path) == "no-cache", path


def test_security_headers_on_every_answer(server: Any) -> None:
    headers = {d.args[0]: d.args[1:] for d in server.children("add_header")}
    assert headers["X-Content-Type-Options"] == ["nosniff", "always"]
    assert headers["X-Frame-Options"] == ["DENY", "always"]
    assert headers["Referrer-Policy"][0] in ("strict-origin-when-cross-origin", "no-referrer")
    # The Content-Security-Policy is the file the entry point writes.
    (include,) = server.children("include")
    assert include.args == ["/tmp/kairos-web/csp.conf"]
    assert "KAIROS_WEB_RUNTIME=/tmp/kairos-web" in DOCKERFILE.read_text()
    # A location with add_header of its own would drop all of these (nginx's inheritance).
    for loc in nginx.locations(server):
        assert not loc.directive.children("add_header"), loc.pattern


def test_runs_non_root_on_a_read_only_filesystem(conf: Any, server: Any) -> None:
    assert conf.child("pid").args[0].startswith("/tmp/")
    assert not conf.children("user")
    http = conf.child("http")
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        assert http.child(f"{name}_temp_path").args[0].startswith("/tmp/"), name
    assert http.child("access_log").args[0] == "/dev/stdout"
    assert conf.child("error_log").args[0] == "stderr"
    (listen,) = server.children("listen")
    assert listen.args[0] == "8080"
    assert server.child("root").args == ["/usr/share/nginx/html"]
    assert "COPY --from=build /src/web/dist /usr/share/nginx/html" in DOCKERFILE.read_text()


# --- the entry point: config.json -> Content-Security-Policy --------------------------------


def _entrypoint(tmp_path: Path, config: Any, extra: str | None = None) -> tuple[int, str, str]:
    path = tmp_path / "config.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config, indent=2))
    env = {
        "PATH": os.environ["PATH"],
        "KAIROS_WEB_CONFIG": str(path),
        "KAIROS_WEB_RUNTIME": str(tmp_path / "run"),
    }
    if extra is not None:
        env["KAIROS_CSP_CONNECT_SRC"] = extra
    done = subprocess.run(
        ["sh", str(ENTRYPOINT), "echo", "started"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    csp = tmp_path / "run" / "csp.conf"
    return done.returncode, done.stdout + done.stderr, csp.read_text() if csp.exists() else ""


def _policy(csp_conf: str) -> dict[str, list[str]]:
    srv = nginx.parse(f"server {{ {csp_conf} }}").child("server")
    (header,) = srv.children("add_header")
    assert header.args[0] == "Content-Security-Policy" and header.args[2] == "always"
    out = {}
    for part in header.args[1].split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


@pytest.mark.parametrize("path", [EXAMPLE_CONFIG, PRODUCTION_CONFIG], ids=lambda p: p.name)
def test_the_shipped_configs_start_and_give_a_policy(tmp_path: Path, path: Path) -> None:
    config = json.loads(path.read_text())
    code, out, csp = _entrypoint(tmp_path, path.read_text())
    assert code == 0, out
    assert "started" in out  # it ran the command it was given
    policy = _policy(csp)
    issuer = re.match(r"https://[^/]+", config["sign_in"]["issuer"])
    assert issuer
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][:2] == ["'self'", "https://js.stripe.com"]
    assert {"https://js.stripe.com", "https://hooks.stripe.com"} <= set(policy["frame-src"])
    assert policy["connect-src"] == ["'self'", issuer.group(0), "https://api.stripe.com"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'unsafe-eval'" not in csp
    assert "'unsafe-inline'" not in " ".join(policy["script-src"])


def test_the_policy_follows_the_config(tmp_path: Path) -> None:
    config = {
        "sign_in": {
            "kind": "oidc",
            "issuer": "https://id.example.org:8443/realms/kairos",
            "client_id": "web",
        },
        "stripe": {"js_url": "https://js.stripe.com/v3/", "publishable_key": "pk_live_x"},
    }
    code, out, csp = _entrypoint(tmp_path, config, "https://tokens.example.org  https://x.io")
    assert code == 0, out
    connect = _policy(csp)["connect-src"]
    assert connect == [
        "'self'",
        "https://id.example.org:8443",
        "https://api.stripe.com",
        "https://tokens.example.org",
        "https://x.io",
    ]


@pytest.mark.parametrize(
    ("change", "extra", "says"),
    [
        ({"sign_in": {"kind": "local", "tokens_url": "/x"}}, None, 'kind is "local"'),
        ({"sign_in": {"kind": "oidc", "issuer": "login", "client_id": "w"}}, None, "issuer"),
        ({"sign_in": {"kind": "oidc", "issuer": "https://a.b/"}}, None, "client_id"),
        ({"stripe": {"js_url": "javascript:alert(1)", "publishable_key": "k"}}, None, "js_url"),
        ({}, "https://a.b; script-src *", "KAIROS_CSP_CONNECT_SRC"),
        ({}, "'unsafe-inline'", "KAIROS_CSP_CONNECT_SRC"),
    ],
)
def test_a_bad_config_stops_the_start(
    tmp_path: Path, change: dict[str, Any], extra: str | None, says: str
) -> None:
    config = {**json.loads(EXAMPLE_CONFIG.read_text()), **change}
    code, out, csp = _entrypoint(tmp_path, config, extra)
    assert code != 0 and says in out, out
    assert "started" not in out and csp == ""


def test_no_config_stops_the_start(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "KAIROS_WEB_CONFIG": str(tmp_path / "absent.json")}
    env["KAIROS_WEB_RUNTIME"] = str(tmp_path / "run")
    done = subprocess.run(
        ["sh", str(ENTRYPOINT), "echo", "started"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "mount the deployment's config.json" in done.stderr


# --- Dockerfile.web -------------------------------------------------------------------------


def _stages() -> dict[str, list[str]]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line, re.IGNORECASE)
        if m:
            current = stages.setdefault(m.group(2), [line])
        else:
            current.append(line)
    return stages


def test_dockerfile_builds_with_node_20_and_serves_with_unprivileged_nginx() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG NODE_IMAGE=node:20[-.\w]*$", text, re.MULTILINE)
    assert re.search(r"^ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:[-.\w]+$", text, re.MULTILINE)
    stages = _stages()
    assert list(stages) == ["build", "web"]  # the image is the last stage
    build = " ".join(stages["build"])
    assert "npm ci" in build and "npm run build" in build
    assert "COPY clients/typescript/src clients/typescript/src" in build  # @kairos/client
    web = stages["web"]
    assert "COPY deploy/web/nginx.conf /etc/nginx/nginx.conf" in web
    user = [line for line in web if line.startswith("USER ")][-1]
    assert re.fullmatch(r"USER [1-9]\d*(:[1-9]\d*)?", user), user  # numeric, not root
    assert web[-2] == 'ENTRYPOINT ["/usr/local/bin/kairos-web-entrypoint"]'
    assert json.loads(web[-1].removeprefix("CMD "))[0] == "nginx"
    assert any("deploy/web/entrypoint.sh /usr/local/bin/kairos-web-entrypoint" in s for s in web)
    text = (DEPLOY / "docker" / "Dockerfile.web.dockerignore").read_text()
    ignore = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert ignore[0] == "*"  # nothing but what is named after it
    assert {"!web", "!clients/typescript/src", "!deploy/web", "**/node_modules"} <= set(ignore)
    assert "web/dist" in ignore


# --- the real nginx ------------------------------------------------------------------------
#
# deploy/web/nginx.conf in a real nginx (Debian's package unpacked into a cache by
# kairos_localstack.nginx_dist, never installed), started through the entry point (which
# writes the Content-Security-Policy from config.json), in front of the real build
# (web/dist, built when stale), on a free port. Only what a container's filesystem provides
# is changed, in a temporary copy: the paths of the build, the config, the runtime folder,
# the pid and temp files, mime.types, and the listen address. In CI it must run: a machine
# where nginx or the build cannot be had fails there, and only skips elsewhere.


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> NoReturn:
    if _in_ci():
        pytest.fail(f"{reason} (CI runs the config in a real nginx: it is never skipped there)")
    pytest.skip(reason)


@dataclass(frozen=True)
class RealNginx:
    base: str
    dist: Path  # the build it serves (a copy of web/dist)
    config: Path  # the config.json it serves
    issuer: str  # the origin of config.json's sign_in.issuer
    log: Path
    version: str

    def files(self) -> set[str]:
        """The build as URI paths ("/index.html", "/assets/...", "/.kairos-build")."""
        return {"/" + str(p.relative_to(self.dist)) for p in self.dist.rglob("*") if p.is_file()}


def _test_conf(tmp: Path, dist: Path, etc: Path, run: Path, port: int, mime: Path) -> str:
    text = NGINX_CONF.read_text()
    for old, new in (
        ("root /usr/share/nginx/html;", f"root {dist};"),
        ("/etc/kairos/web", str(etc)),
        ("pid /tmp/", f"pid {tmp}/"),
        ("_temp_path /tmp/", f"_temp_path {tmp}/"),
        ("/tmp/kairos-web", str(run)),
        ("listen 8080 ", f"listen 127.0.0.1:{port} "),
        ("/etc/nginx/mime.types", str(mime)),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the nginx this test started: SIGQUIT (as the image's STOPSIGNAL) to its master,
    by pid; SIGKILL to its process group if it does not stop."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGQUIT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def real_nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealNginx]:
    try:
        found = nginx_dist.resolve()
    except nginx_dist.NginxUnavailable as exc:
        _unavailable(f"no nginx binary: {exc}")
    built = ensure_web_build(CHECKOUT)
    if built is None or not (built / "index.html").is_file():
        _unavailable("web/dist is not built and cannot be (npm: cd web && npm ci && npm run build)")
    tmp = tmp_path_factory.mktemp("nginx")
    dist, etc, run = tmp / "html", tmp / "etc", tmp / "run"
    shutil.copytree(built, dist)  # a rebuild of web/dist meanwhile cannot empty it under us
    etc.mkdir()
    shutil.copy(PRODUCTION_CONFIG, etc / "config.json")
    issuer = re.match(
        r"https?://[^/]+", json.loads(PRODUCTION_CONFIG.read_text())["sign_in"]["issuer"]
    )
    assert issuer
    mime = found.mime_types
    if mime is None:  # an nginx without its mime.types: just what the build has
        mime = tmp / "mime.types"
        mime.write_text(
            "types { text/html html; text/css css; application/javascript js;"
            " application/json json; image/svg+xml svg; }"
        )
    env = found.environ(
        {
            "PATH": os.environ["PATH"],
            "KAIROS_WEB_CONFIG": str(etc / "config.json"),
            "KAIROS_WEB_RUNTIME": str(run),
        }
    )
    # As root, nginx's workers would switch to an unprivileged user that cannot read the
    # test's private temporary directory; the image runs as a plain user anyway.
    globals_ = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    log_path = tmp / "nginx.log"
    for _attempt in range(3):  # the port may be taken between free_port() and nginx's bind
        port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(_test_conf(tmp, dist, etc, run, port, mime))
        argv = [str(found.binary), "-p", str(tmp), "-c", str(conf), "-e", "stderr", "-g", globals_]
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                ["sh", str(ENTRYPOINT), *argv],  # the entry point execs nginx: same pid
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            if proc.poll() is not None and "Address already in use" in log_path.read_text():
                continue
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"nginx not ready: {log_path.read_text()}"
            assert int((tmp / "nginx.pid").read_text()) == proc.pid  # we stop the master
            yield RealNginx(
                base, dist, etc / "config.json", issuer.group(0), log_path, found.version
            )
            return
        finally:
            _stop(proc)
    pytest.fail(f"nginx found no free port in 3 tries: {log_path.read_text()}")


def _headers_of_every_answer(resp: httpx.Response, issuer: str) -> None:
    csp = resp.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, resp.url
    assert re.search(rf"connect-src 'self' {re.escape(issuer)}[ ;]", csp), csp
    assert f"form-action 'self' {issuer}" in csp, csp
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["x-frame-options"] == "DENY"
    assert "server" not in resp.headers or resp.headers["server"] == "nginx"  # no version


def test_real_nginx_answers_app_paths_with_index_html(real_nginx: RealNginx) -> None:
    index = (real_nginx.dist / "index.html").read_text()
    assert '<div id="root">' in index or "<script" in index  # the real build, not a stand-in
    with httpx.Client(base_url=real_nginx.base) as client:
        for path in (
            *SPA_PATHS,
            "/index.html",
            "/bookings/3f0c2b9e-5d1a-4c47-9a0e-2b6f1c9d8e7a",
            "/signin/callback?code=abc&state=xyz",
            "/x/y/z",
        ):
            resp = client.get(path)
            assert resp.status_code == 200, path
            assert resp.text == index, path
            assert resp.headers["content-type"].startswith("text/html"), path
            assert resp.headers["cache-control"] == "no-cache", path
            _headers_of_every_answer(resp, real_nginx.issuer)


def test_real_nginx_serves_the_build_assets_for_a_year(real_nginx: RealNginx) -> None:
    assets = sorted((real_nginx.dist / "assets").iterdir())
    assert {p.suffix for p in assets} >= {".js", ".css"}, assets
    types = {".js": "application/javascript", ".css": "text/css"}
    with httpx.Client(base_url=real_nginx.base) as client:
        for asset in assets:
            resp = client.get(f"/assets/{asset.name}")
            assert resp.status_code == 200, asset.name
            assert resp.content == asset.read_bytes(), asset.name
            assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
            if asset.suffix in types:
                assert resp.headers["content-type"].startswith(types[asset.suffix]), asset.name
            if asset.stat().st_size >= 1024 and asset.suffix in types:
                assert resp.headers.get("content-encoding") == "gzip", asset.name
            _headers_of_every_answer(resp, real_nginx.issuer)


def test_real_nginx_config_json_and_health(real_nginx: RealNginx) -> None:
    with httpx.Client(base_url=real_nginx.base) as client:
        config = client.get("/config.json")
        assert config.status_code == 200
        assert config.json() == json.loads(real_nginx.config.read_text())
        assert config.headers["content-type"].startswith("application/json")
        assert config.headers["cache-control"] == "no-cache"
        _headers_of_every_answer(config, real_nginx.issuer)
        health = client.get("/health")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})


def test_real_nginx_never_answers_api_local_missing_assets_or_dot_files(
    real_nginx: RealNginx,
) -> None:
    assert (real_nginx.dist / ".kairos-build").is_file()  # the build stamp: a real dot file
    problems = (
        "/api",
        "/api/",
        "/api/booking/health/ready",
        "/api/bookingX/x",
        "/local",
        "/local/",
        "/local/tokens",
        "/local/anything/else",
    )
    missing = (
        "/assets/index-old.js",
        "/assets/nothing",
        "/assets/",
        "/missing.js",
        "/favicon.ico",
        "/x/y/z.json",
        "/.kairos-build",
        "/.env",
        "/assets/.hidden",
    )
    with httpx.Client(base_url=real_nginx.base) as client:
        for path in problems:
            for resp in (
                client.get(path),
                client.post(path, json={"role": "admin", "name": "x", "email": "a@b.co"}),
                client.request("PUT", path, content=b"{}"),
            ):
                assert resp.status_code == 404, (resp.request.method, path)
                assert resp.headers["content-type"].startswith("application/problem+json")
                assert resp.json()["status"] == 404
                assert "cache-control" not in resp.headers  # errors are not cached
                _headers_of_every_answer(resp, real_nginx.issuer)
        for path in missing:
            resp = client.get(path)
            assert resp.status_code == 404, path
            assert "<title>" not in resp.text or "Kairos" not in resp.text, path  # not the app
            assert "cache-control" not in resp.headers, path
            _headers_of_every_answer(resp, real_nginx.issuer)


def test_the_model_agrees_with_the_real_nginx(real_nginx: RealNginx, conf: Any) -> None:
    """nginx_conf.py's answer for each path is what the real nginx answers: the status, the
    file served (compared by content) and the Cache-Control of a 200."""
    server = conf.child("http").child("server")
    variable = next(
        d.args[1] for d in server.children("add_header") if d.args[0] == "Cache-Control"
    )
    files = real_nginx.files()
    paths = [
        *sorted(files),
        *SPA_PATHS,
        "/api",
        "/api/",
        "/api/booking/x",
        "/api/docs/",
        "/local",
        "/local/tokens",
        "/config.json",
        "/health",
        "/assets/",
        "/assets/index-old.js",
        "/assets/nothing",
        "/missing.js",
        "/missing.css",
        "/favicon.ico",
        "/robots.txt",
        "/x/y/z",
        "/x/y/z.json",
        "/.env",
        "/a/.git/config",
        "/index.htm",
        "/INDEX.JS",
    ]
    mismatches = []
    with httpx.Client(base_url=real_nginx.base) as client:
        for path in paths:
            model = nginx.get(server, path, files)
            resp = client.get(path)
            if resp.status_code != model.status:
                mismatches.append(f"{path}: model {model.status}, nginx {resp.status_code}")
                continue
            if model.status != 200:
                continue
            if model.file == "/etc/kairos/web/config.json":
                expected = real_nginx.config.read_bytes()
            elif model.file is not None:
                expected = (real_nginx.dist / model.file.lstrip("/")).read_bytes()
            else:  # return 200 '...'
                expected = resp.content
            if resp.content != expected:
                mismatches.append(f"{path}: nginx served another file than {model.file}")
            cache = nginx.map_value(conf.child("http"), variable, model.uri)
            if model.location is not None and not model.location.directive.children("return"):
                if resp.headers.get("cache-control") != cache:
                    got = resp.headers.get("cache-control")
                    mismatches.append(f"{path}: model Cache-Control {cache}, nginx {got}")
    assert not mismatches, "\n".join(mismatches)
