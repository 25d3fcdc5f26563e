"""The local-only sign-in (``POST /local/tokens``: a token for anyone who asks, signed with
the stack's key) exists only in the local stack (``kairos_localstack.web_server``), never in
the deployed configuration: the deployed gateway routes ``/api/<service>/`` to the services
and everything else only to the web app's static server (deploy/web/nginx.conf), which
answers every ``/local/`` path with a 404; no deployed process runs the local web server,
and no deploy file names the route."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from kairos_localstack.traefik import dynamic_config
from kairos_localstack.web_server import LOCAL_TOKENS_PATH

DEPLOY = Path(__file__).resolve().parents[1]
TESTS = DEPLOY / "tests"
#: what would mean the local sign-in or its server is deployed
FORBIDDEN = (LOCAL_TOKENS_PATH, "local/tokens", "web_server")
RULE_PATH = re.compile(r"(?:PathPrefix|Path|PathRegexp)\(`([^`]*)`\)")
#: the deployed gateway's router (and service) for the web app, and that app's server
WEB_ROUTER = "web-app"
WEB_UPSTREAM = "http://kairos-web:8080"


def _nginx_conf() -> object:
    """deploy/tests/nginx_conf.py (a model of nginx's location choice), loaded by path."""
    name = "kairos_nginx_conf"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TESTS / "nginx_conf.py")
        assert spec and spec.loader
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def _deploy_files() -> Iterator[Path]:
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file() and TESTS not in path.parents and path.suffix not in (".pyc",):
            yield path


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def test_no_deploy_file_names_the_local_sign_in_or_its_server() -> None:
    files = list(_deploy_files())
    assert any(p.name == "dynamic.yml" for p in files)  # the walk sees the gateway config
    for path in files:
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for word in FORBIDDEN:
            assert word not in text, f"{path.relative_to(DEPLOY)} mentions {word}"


def test_every_deployed_gateway_route_is_under_api_but_the_web_apps() -> None:
    """The deployed Traefik routes /api/<service>/ to the services; the one other router is
    the web app's `/`, to its static server only, where every /local/ path (the sign-in's
    included, whatever the method: a `return`) is a 404."""
    dynamic = yaml.safe_load((DEPLOY / "gateway" / "dynamic.yml").read_text())["http"]
    routers = dynamic["routers"]
    assert routers
    web = routers[WEB_ROUTER]
    assert web["rule"] == "PathPrefix(`/`)"
    assert dynamic["services"][web["service"]]["loadBalancer"]["servers"] == [{"url": WEB_UPSTREAM}]
    nginx: Any = _nginx_conf()
    (server,) = nginx.load(DEPLOY / "web" / "nginx.conf").child("http").children("server")
    for path in (LOCAL_TOKENS_PATH, "/local", "/local/", "/local/x/y", LOCAL_TOKENS_PATH + "/"):
        answer = nginx.get(server, path, {"/index.html"})
        assert answer.status == 404, path
        assert answer.location.directive.children("return"), path  # every method
    for name, router in routers.items():
        if name == WEB_ROUTER:
            continue
        paths = RULE_PATH.findall(router["rule"])
        prefixes = [p for p in paths if not p.startswith("/stream")]
        assert prefixes, f"{name}: no path in {router['rule']}"
        for path in prefixes:
            assert path.startswith("/api/"), f"{name} routes {path}"


def test_no_deployed_manifest_routes_or_runs_it() -> None:
    """Kubernetes objects and compose services: no Ingress path, command or argument of
    the local sign-in (every YAML document under deploy/, parsed)."""
    docs = 0
    for path in _deploy_files():
        if path.suffix not in (".yaml", ".yml"):
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            docs += 1
            for text in _strings(doc):
                assert not text.startswith("/local"), f"{path.relative_to(DEPLOY)}: {text}"
                assert "web_server" not in text, f"{path.relative_to(DEPLOY)}: {text}"
    assert docs > 10


def test_only_the_local_gateway_has_the_web_app_route() -> None:
    """The local stack's Traefik config sends ``/`` (the app and /local/tokens) to its web
    server; without ``root_port`` (as deployed) there is no such router."""
    local = dynamic_config({"/api/booking/": 9001}, root_port=9002)["http"]["routers"]
    assert local["web-app"]["rule"] == "PathPrefix(`/`)"
    deployed_like = dynamic_config({"/api/booking/": 9001})["http"]["routers"]
    assert "web-app" not in deployed_like
    for router in deployed_like.values():
        for path in RULE_PATH.findall(router["rule"]):
            assert path.startswith("/api/") or not path.startswith("/"), router["rule"]
