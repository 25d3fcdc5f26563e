"""The local-only sign-in (``POST /local/tokens``: a token for anyone who asks, signed with
the stack's key) exists only in the local stack (``kairos_localstack.web_server``), never in
the deployed configuration: no deployed gateway route reaches a path outside ``/api/``, no
deployed process runs the local web server, and no deploy file names the route."""

from __future__ import annotations

import re
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


def test_every_deployed_gateway_route_is_under_api() -> None:
    """The deployed Traefik routes /api/<service>/ only: /local/tokens matches no router
    (Traefik's 404), whatever the priorities."""
    routers = yaml.safe_load((DEPLOY / "gateway" / "dynamic.yml").read_text())["http"]["routers"]
    assert routers
    for name, router in routers.items():
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
