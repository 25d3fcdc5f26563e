"""The merged API documents, served behind the gateway at ``/api/docs/``.

A tiny stdlib HTTP server the local stack starts next to Traefik (route ``/api/docs/``,
prefix stripped):

  GET /                          one documentation page: Swagger UI over the merged OpenAPI
                                 document (the HTTP API of every service, "Try it out"
                                 through the gateway) and, below it, the events each service
                                 publishes and consumes from their AsyncAPI documents
                                 (channels, keys, messages and their payload schemas)
  GET /static/{file}             the page's files: Swagger UI 5 as the ``fastapi-offline``
                                 package ships it, and the page's own script; nothing is
                                 loaded from anywhere else
  GET /openapi.json              the services' OpenAPI documents merged into one: each
                                 service's paths under its gateway prefix
                                 (``/holds`` -> ``/api/booking/holds``), fetched live from
                                 the services on every request (never stale)
  GET /asyncapi/{service}.json   the service's AsyncAPI document (``docs/asyncapi/`` as
                                 checked in; generated from ``kairos_contracts`` when the
                                 checkout's docs folder is absent; identical, ``make lint``
                                 checks it)
  GET /asyncapi/                 the list of services that have one
  GET /health                    200 (readiness probe)
  GET /problems/upstream-unavailable
                                 the problem+json body the gateway answers (as a 503 with
                                 Retry-After) when a service's process is not answering,
                                 instead of Traefik's bare 502 (see ``traefik.py``)

Run: ``python -m kairos_localstack.docs_server --port P --service booking=/api/booking/=8101 ...``
(name = gateway prefix = the service's local HTTP port).
"""

from __future__ import annotations

import argparse
import copy
import html
import importlib.util
import json
import re
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from kairos_localstack.child import ChildServer
from kairos_localstack.http_handler import LocalHandler

__all__ = [
    "DocsServer",
    "DocsSource",
    "asyncapi_document",
    "events_html",
    "main",
    "merge_openapi",
    "page_html",
    "static_file",
]

UPSTREAM_UNAVAILABLE_PATH = "/problems/upstream-unavailable"
UPSTREAM_UNAVAILABLE = {
    "type": "https://kairos.dev/problems/service-unavailable",
    "title": "Service Unavailable",
    "status": 503,
    "detail": "The service behind this path is not answering (restarting?); nothing was "
    "changed by this request if it did not reach it. Try again shortly.",
}

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: the package whose Swagger UI files the page loads (as kairos_platform.docs does)
ASSETS_PACKAGE = "fastapi_offline"
_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}
#: the page's own script (no inline script: the page works under a strict CSP too)
PAGE_SCRIPT = """\
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayRequestDuration: true,
    persistAuthorization: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});
"""
PAGE_STYLE = """\
body { margin: 0; font-family: sans-serif; color: #3b4151; }
header, section.events { max-width: 1460px; margin: 0 auto; padding: 0 20px; }
header nav a { margin-right: 1.2em; }
section.events table { border-collapse: collapse; width: 100%; margin-bottom: 1em; }
section.events th, section.events td { border-bottom: 1px solid #ddd; padding: 4px 8px;
  text-align: left; vertical-align: top; }
section.events pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 12px; }
code { font-size: 90%; }
"""


def assets_dir() -> Path:
    """The folder of Swagger UI's files in the assets package (found without importing it)."""
    spec = importlib.util.find_spec(ASSETS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {ASSETS_PACKAGE} package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def static_file(name: str) -> tuple[bytes, str] | None:
    """(content, content type) of ``/static/<name>``, or None: the page's script and style,
    or a file of the assets package's folder (named exactly; no paths)."""
    if name == "kairos-docs.js":
        return PAGE_SCRIPT.encode(), _CONTENT_TYPES[".js"]
    if name == "kairos-docs.css":
        return PAGE_STYLE.encode(), _CONTENT_TYPES[".css"]
    folder = assets_dir()
    suffix = Path(name).suffix
    if suffix not in _CONTENT_TYPES or name not in {p.name for p in folder.iterdir()}:
        return None
    return (folder / name).read_bytes(), _CONTENT_TYPES[suffix]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def events_html(service: str, doc: Mapping[str, Any]) -> str:
    """One service's AsyncAPI document as HTML: what it publishes and consumes, on which
    channel (topic) with which key, and each message's payload schema."""
    channels = doc.get("channels", {})
    rows = []
    for op in sorted(
        doc.get("operations", {}).values(),
        key=lambda o: (o.get("action") != "send", o.get("channel", {}).get("$ref", "")),
    ):
        channel = channels.get(_ref_name(op.get("channel", {}).get("$ref", "")), {})
        verb = "publishes" if op.get("action") == "send" else "consumes"
        messages = ", ".join(
            f'<a href="#{_e(service)}-{_e(_ref_name(m["$ref"]))}">{_e(_ref_name(m["$ref"]))}</a>'
            for m in op.get("messages", [])
            if "$ref" in m
        )
        rows.append(
            f"<tr><td>{verb}</td><td><code>{_e(channel.get('address', ''))}</code></td>"
            f"<td>{_e(channel.get('x-kairos-key', ''))}</td><td>{messages}</td>"
            f"<td>{_e(channel.get('description', ''))}</td></tr>"
        )
    messages_html = []
    schemas = doc.get("components", {}).get("schemas", {})
    for name, message in sorted(doc.get("components", {}).get("messages", {}).items()):
        payload = schemas.get(name) or message.get("payload", {})
        messages_html.append(
            f'<details id="{_e(service)}-{_e(name)}"><summary><code>{_e(name)}</code> '
            f"{_e(message.get('summary') or message.get('title') or '')}</summary>"
            f"<pre>{_e(json.dumps(payload, indent=2, sort_keys=True))}</pre></details>"
        )
    title = doc.get("info", {}).get("title", service)
    return (
        f'<h3 id="events-{_e(service)}">{_e(title)} '
        f'<small>(<a href="asyncapi/{_e(service)}.json">AsyncAPI document</a>)</small></h3>'
        "<table><tr><th></th><th>channel (topic)</th><th>key</th><th>messages</th>"
        "<th>about</th></tr>" + "".join(rows) + "</table>" + "".join(messages_html)
    )


def page_html(sources: Sequence[DocsSource]) -> str:
    """The documentation page. Every URL in it is relative to ``/api/docs/`` (or is a
    service's gateway prefix), so it names no other host."""
    events = []
    for source in sources:
        text = asyncapi_document(source.name)
        if text is not None:
            events.append(events_html(source.name, json.loads(text)))
    services = " ".join(f'<a href="{_e(s.prefix)}docs">{_e(s.name)}</a>' for s in sources)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Kairos API</title>"
        '<link rel="icon" type="image/png" href="static/favicon.png">'
        '<link rel="stylesheet" href="static/swagger-ui.css">'
        '<link rel="stylesheet" href="static/kairos-docs.css">'
        "</head><body><header><h1>Kairos API</h1><nav>"
        '<a href="#http">HTTP API</a><a href="#events">Events</a>'
        '<a href="openapi.json">openapi.json</a>'
        '<a href="asyncapi/">AsyncAPI documents</a>'
        f"<span>each service's own page: {services}</span></nav>"
        "<p>Every route as the gateway serves it. Authorize with a token "
        "(<code>uv run kairos-token mint --sub UUID --role mentee</code>) to try them. "
        "Browsers open event streams with <code>?token=</code> from "
        "<code>POST /api/booking/live/tokens</code>.</p></header>"
        '<section id="http"><div id="swagger-ui" data-openapi-url="openapi.json"></div>'
        '</section><section class="events" id="events"><h2>Events (Kafka)</h2>'
        "<p>What each service publishes and consumes, from its AsyncAPI document.</p>"
        + "".join(events)
        + "</section>"
        '<script src="static/swagger-ui-bundle.js"></script>'
        '<script src="static/kairos-docs.js"></script>'
        "</body></html>\n"
    )


@dataclass(frozen=True)
class DocsSource:
    name: str  # service name (booking, calendar-sync, ...)
    prefix: str  # gateway prefix with both slashes (/api/booking/)
    port: int  # the service's local HTTP port

    @classmethod
    def parse(cls, spec: str) -> DocsSource:
        name, prefix, port = spec.split("=")
        return cls(name, prefix, int(port))


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                if value.startswith("#/components/schemas/") and name in renames:
                    value = f"#/components/schemas/{renames[name]}"
            out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, renames) for v in node]
    return node


def _qualified(service: str, name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{service}.{name}")


def merge_openapi(
    docs: Sequence[tuple[str, str, dict[str, Any]]], *, title: str = "Kairos API"
) -> dict[str, Any]:
    """One OpenAPI document from (service, gateway prefix, its document) triples.

    Paths are prefixed with the gateway prefix (minus its trailing slash). Schemas with the
    same name and the same content are shared; a name two services define differently is
    qualified as ``<service>.<Name>`` in that service's paths. Each operation is tagged with
    its service and its operationId qualified the same way (they must be unique).
    """
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1",
            "description": "Every service's API as the gateway exposes it.",
        },
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
        "tags": [],
    }
    schemas = merged["components"]["schemas"]
    for service, prefix, doc in docs:
        doc = copy.deepcopy(doc)
        base = prefix.rstrip("/")
        components = doc.get("components", {})
        renames: dict[str, str] = {}
        for name, schema in components.get("schemas", {}).items():
            if name in schemas and schemas[name] != schema:
                renames[name] = _qualified(service, name)
        doc = _rewrite_refs(doc, renames)
        components = doc.get("components", {})
        for name, schema in components.get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for name, scheme in components.get("securitySchemes", {}).items():
            merged["components"]["securitySchemes"].setdefault(name, scheme)
        for path, item in doc.get("paths", {}).items():
            for method in _METHODS:
                op = item.get(method)
                if op is None:
                    continue
                op["tags"] = [service]
                if "operationId" in op:
                    op["operationId"] = _qualified(service, op["operationId"])
            merged["paths"][base + path] = item
        merged["tags"].append({"name": service, "description": f"{base}/ ({service})"})
    return merged


def asyncapi_document(service: str) -> str | None:
    """The service's AsyncAPI document as checked in (or generated), or None if unknown."""
    from kairos_contracts.asyncapi import DOCS_DIR, document, dumps
    from kairos_contracts.catalog import SERVICES

    if service not in SERVICES:
        return None
    checked_in = DOCS_DIR / f"{service}.json"
    if checked_in.exists():
        return checked_in.read_text()
    return dumps(document(service))


def _fetch_openapi(source: DocsSource) -> dict[str, Any]:
    url = f"http://127.0.0.1:{source.port}/openapi.json"
    with urllib.request.urlopen(url, timeout=5) as resp:
        return dict(json.loads(resp.read()))


def _handler(sources: Sequence[DocsSource]) -> type[BaseHTTPRequestHandler]:
    class Handler(LocalHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                self._send(200, page_html(sources).encode(), "text/html; charset=utf-8")
            elif m := re.fullmatch(r"/static/([A-Za-z0-9._-]+)", path):
                found = static_file(m.group(1))
                if found is None:
                    self._problem(404, "Not Found", f"no file at {path}")
                else:
                    self._send(200, found[0], found[1], cache="public, max-age=3600")
            elif path == "/health":
                self._send(200, b'{"status":"ok"}', "application/json")
            elif path == UPSTREAM_UNAVAILABLE_PATH:
                self._send(
                    503,
                    json.dumps(UPSTREAM_UNAVAILABLE).encode(),
                    "application/problem+json",
                    headers={"Retry-After": "1"},
                )
            elif path == "/openapi.json":
                try:
                    docs = [(s.name, s.prefix, _fetch_openapi(s)) for s in sources]
                except OSError as exc:
                    self._problem(503, "Service Unavailable", f"a service did not answer: {exc}")
                    return
                body = json.dumps(merge_openapi(docs)).encode()
                self._send(200, body, "application/json")
            elif path in ("/asyncapi", "/asyncapi/"):
                names = [s.name for s in sources if asyncapi_document(s.name) is not None]
                self._send(200, json.dumps({"services": names}).encode(), "application/json")
            elif m := re.fullmatch(r"/asyncapi/([a-z-]+)\.json", path):
                text = asyncapi_document(m.group(1))
                if text is None:
                    self._problem(404, "Not Found", f"no AsyncAPI document for {m.group(1)!r}")
                else:
                    self._send(200, text.encode(), "application/json")
            else:
                self._problem(404, "Not Found", f"no document at {path}")

        do_HEAD = do_GET

    return Handler


def serve(port: int, sources: Sequence[DocsSource], host: str = "127.0.0.1") -> None:
    server = ThreadingHTTPServer((host, port), _handler(sources))
    server.daemon_threads = True
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Kairos's merged API documents.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--service", action="append", default=[], type=DocsSource.parse)
    args = parser.parse_args(argv)
    serve(args.port, args.service)


class DocsServer(ChildServer):
    """This module as a child process of the stack."""

    label = "docs"

    def __init__(
        self, sources: Sequence[DocsSource], port: int | None = None, log_file: Path | None = None
    ) -> None:
        super().__init__(port, log_file)
        self.sources = list(sources)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        argv = [sys.executable, "-m", "kairos_localstack.docs_server", f"--port={self.port}"]
        return argv + [f"--service={s.name}={s.prefix}={s.port}" for s in self.sources]

    def ready(self) -> bool:
        return httpx.get(f"{self.url}/health", timeout=1).status_code == 200


if __name__ == "__main__":
    main()
