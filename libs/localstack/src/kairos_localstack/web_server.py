"""The web app (``web/``) as the local stack serves it, behind the gateway at ``/``.

A tiny stdlib HTTP server the local stack starts next to Traefik (the gateway's lowest
priority route, ``/``, nothing stripped; ``/api/<service>/`` and ``/api/docs/`` win over it):

  GET /<file>           a file of the production build (``web/dist``, made by ``vite build``);
                        ``/assets/*`` are content-hashed, cached for a year
  GET /<anything else>  ``index.html``: the app routes in the browser (an SPA fallback);
                        a path under ``/api/`` or ``/local/`` is a 404 problem instead
  POST /local/tokens    LOCAL ONLY: a JWT signed with the stack's private key for the person
                        the body describes, ``{"role": "mentee"|"mentor"|"admin", "name",
                        "email"}`` (``sub`` optional: by default a UUID derived from the
                        email, so the same email is the same user at each sign-in;
                        ``zoneinfo`` and ``locale`` optional, the token's claims); answers
                        ``{token, sub, roles, expires_at}``. The web app's sign-in page uses
                        it. The deployed configuration has no such route
                        (``deploy/tests/test_no_local_routes.py``).
  GET /config.json      the app's runtime configuration: how people sign in (``local``: the
                        route below; ``oidc``: an OpenID Connect issuer, when the stack runs
                        with ``KAIROS_OIDC_ISSUER``, and then there is no /local/tokens)
                        and where Stripe.js comes from with which publishable
                        key (locally localstripe's stand-in; deployed, Stripe's own script
                        and the account's key, from the deployment's config.json)
  GET /health           200 (readiness probe)

``ensure_web_build`` makes ``web/dist`` when it is missing or older than its sources
(``npm ci`` when ``web/node_modules`` is missing, then ``npm run build``), once at a time
per checkout. Without Node the stack still starts; ``/`` then says how to build the app.

Run: ``python -m kairos_localstack.web_server --port P --dist web/dist --private-key K
--issuer I --audience A`` (local sign-in), or ``... --oidc-issuer URL --oidc-client-id C
[--oidc-resource R]`` (sign-in at that issuer, as deployed).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import logging
import mimetypes
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from kairos_localstack.child import ChildServer
from kairos_localstack.http_handler import LocalHandler

__all__ = [
    "CHECKOUT",
    "LOCAL_TOKENS_PATH",
    "WebServer",
    "ensure_web_build",
    "main",
    "oidc_sign_in",
    "web_config",
    "web_sources_digest",
]

log = logging.getLogger(__name__)

#: the checkout this package is installed from (editable), whose web/ the stack serves
CHECKOUT = Path(__file__).resolve().parents[4]
#: the local-only sign-in route (never deployed)
LOCAL_TOKENS_PATH = "/local/tokens"
ROLES = ("mentee", "mentor", "admin")
TOKEN_TTL_S = 8 * 3600
#: a stable user id per email: uuid5(this namespace, email)
USER_NAMESPACE = uuid.UUID("6f1b8a52-3c0e-4d4e-9a43-0c5f7d1f2b90")
#: written into dist/ by ensure_web_build: the digest of the sources it was built from
STAMP = ".kairos-build"
#: what a build depends on, relative to the checkout (folders are walked)
WEB_INPUTS = (
    "web/src",
    "web/index.html",
    "web/public",
    "web/vite.config.ts",
    "web/tsconfig.json",
    "web/package.json",
    "web/package-lock.json",
    "clients/typescript/src",
)

NOT_BUILT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Kairos: web app not built</title></head>
<body><main><h1>The web app is not built</h1>
<p>Build it with <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code> (Node and npm
are needed), then reload this page.
The API and its documentation are at <a href="/api/docs/">/api/docs/</a>.</p></main></body></html>
"""


# -- the build ---------------------------------------------------------------------------


def _input_files(root: Path) -> Iterator[Path]:
    for rel in WEB_INPUTS:
        path = root / rel
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())


def web_sources_digest(root: Path) -> str:
    """A digest of everything the build reads (paths and contents, not times: a fresh
    clone whose dist is current is not rebuilt)."""
    digest = hashlib.sha256()
    for path in _input_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_current(root: Path) -> bool:
    stamp = root / "web" / "dist" / STAMP
    return stamp.is_file() and stamp.read_text().strip() == web_sources_digest(root)


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """One build at a time per checkout (parallel stacks of a test run share web/dist)."""
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"kairos-web-build-{key}.lock"
    with path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure_web_build(root: Path, log_file: Path | None = None) -> Path | None:
    """``<root>/web/dist``, built first when missing or stale; None when there is no web
    app in this checkout or it cannot be built here (no npm, a failed build: logged)."""
    web = root / "web"
    if not (web / "package.json").is_file():
        return None
    dist = web / "dist"
    if is_current(root):
        return dist
    npm = shutil.which("npm")
    if npm is None:
        log.warning("web app not built: npm is not installed")
        return dist if (dist / "index.html").is_file() else None
    with _build_lock(root):
        if is_current(root):  # another stack built it while we waited
            return dist
        digest = web_sources_digest(root)
        out = log_file.open("ab") if log_file else subprocess.DEVNULL
        try:
            steps = [[npm, "run", "build"]]
            if not (web / "node_modules" / ".package-lock.json").is_file():
                steps.insert(0, [npm, "ci", "--no-audit", "--no-fund"])
            for argv in steps:
                done = subprocess.run(argv, cwd=web, stdout=out, stderr=out, check=False)
                if done.returncode != 0:
                    step, code = " ".join(argv[1:]), done.returncode
                    log.warning("web app not built: %s exited %s", step, code)
                    return dist if (dist / "index.html").is_file() else None
        finally:
            if log_file and not isinstance(out, int):
                out.close()
        (dist / STAMP).write_text(digest + "\n")
    return dist


# -- the server --------------------------------------------------------------------------


class TokenRequestError(ValueError):
    pass


def token_request(body: Any) -> tuple[uuid.UUID, str, dict[str, Any]]:
    """(sub, role, claims) from a sign-in body, or a TokenRequestError saying why. The
    claims: name and email, and the browser's ``zoneinfo`` and ``locale`` when sent (the
    person's mail zone and locale until they choose their own, as an issuer's token says)."""
    if not isinstance(body, dict):
        raise TokenRequestError("the body must be a JSON object")
    role, name, email = body.get("role"), body.get("name"), body.get("email")
    if role not in ROLES:
        raise TokenRequestError(f"role must be one of {', '.join(ROLES)}")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise TokenRequestError("name must be 1 to 200 characters")
    if not isinstance(email, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise TokenRequestError("email must be an email address")
    email = email.strip().lower()
    raw_sub = body.get("sub")
    try:
        sub = uuid.UUID(str(raw_sub)) if raw_sub else uuid.uuid5(USER_NAMESPACE, email)
    except ValueError:
        raise TokenRequestError("sub must be a UUID") from None
    from kairos_platform.tokens_cli import contact_claims

    zoneinfo, locale = body.get("zoneinfo"), body.get("locale")
    for claim, value in (("zoneinfo", zoneinfo), ("locale", locale)):
        if value is not None and not isinstance(value, str):
            raise TokenRequestError(f"{claim} must be a string")
    try:
        claims = contact_claims(email, name.strip(), zoneinfo, locale) or {}
    except ValueError as exc:
        raise TokenRequestError(str(exc)) from None
    return sub, role, claims


def oidc_sign_in(issuer: str, client_id: str, resource: str | None = None) -> dict[str, Any]:
    """``config.json``'s ``sign_in`` for an OpenID Connect issuer (as deployed)."""
    how: dict[str, Any] = {"kind": "oidc", "issuer": issuer, "client_id": client_id}
    return how | ({"resource": resource} if resource else {})


def web_config(
    stripe_js_url: str, stripe_publishable_key: str, sign_in: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """What ``/config.json`` answers on the local stack: the local sign-in unless told."""
    return {
        "sign_in": dict(sign_in or {"kind": "local", "tokens_url": LOCAL_TOKENS_PATH}),
        "stripe": {"js_url": stripe_js_url, "publishable_key": stripe_publishable_key},
    }


def _handler(
    dist: Path | None,
    private_key: bytes,
    issuer: str,
    audience: str,
    config: Mapping[str, Any] | None = None,
) -> type[BaseHTTPRequestHandler]:
    from kairos_platform.tokens_cli import mint_token

    root = dist.resolve() if dist is not None else None
    config = config or web_config("", "")
    config_body = json.dumps(config).encode()
    #: the local sign-in route exists only while the app is told to sign in that way
    local_sign_in = config["sign_in"]["kind"] == "local"

    class Handler(LocalHandler):
        def _file(self, path: str) -> Path | None:
            if root is None:
                return None
            candidate = (root / path.lstrip("/")).resolve()
            if candidate.is_file() and candidate.is_relative_to(root) and candidate.name != STAMP:
                return candidate
            return None

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if path == "/health":
                self._send(200, b'{"status":"ok"}', "application/json")
                return
            if path == "/config.json":
                self._send(200, config_body, "application/json")
                return
            if path.startswith(("/api/", "/local/")) or path in ("/api", "/local"):
                self._problem(404, "Not Found", f"nothing at {path}")
                return
            found = self._file(path)
            if found is not None and found.name != "index.html":
                kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                if kind.startswith("text/") or kind.endswith("javascript"):
                    kind += "; charset=utf-8"
                immutable = path.startswith("/assets/")
                cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
                self._send(200, found.read_bytes(), kind, cache)
                return
            index = self._file("/index.html")
            if index is None:
                self._send(503, NOT_BUILT_PAGE.encode(), "text/html; charset=utf-8")
                return
            if found is None and Path(path).suffix and not path.endswith(".html"):
                self._problem(404, "Not Found", f"no file at {path}")  # a missing asset
                return
            self._send(200, index.read_bytes(), "text/html; charset=utf-8", "no-cache")

        do_HEAD = do_GET

        def do_POST(self) -> None:
            path = self.path.split("?", 1)[0]
            if path != LOCAL_TOKENS_PATH or not local_sign_in:
                self._problem(404, "Not Found", f"nothing at {path}")
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
                sub, role, claims = token_request(body)
            except (ValueError, TokenRequestError) as exc:
                self._problem(422, "Unprocessable Content", str(exc))
                return
            now = time.time()
            token = mint_token(
                private_key,
                sub=sub,
                roles=[role],
                issuer=issuer,
                audience=audience,
                ttl_s=TOKEN_TTL_S,
                now=now,
                extra_claims=claims,
            )
            expires = datetime.fromtimestamp(now + TOKEN_TTL_S, UTC).isoformat()
            answer = {"token": token, "sub": str(sub), "roles": [role], "expires_at": expires}
            self._send(201, json.dumps(answer).encode(), "application/json")

    return Handler


def serve(
    port: int,
    dist: Path | None,
    private_key: bytes,
    issuer: str,
    audience: str,
    host: str = "127.0.0.1",
    config: Mapping[str, Any] | None = None,
) -> None:
    handler = _handler(dist, private_key, issuer, audience, config)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the Kairos web app (local stack).")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dist", type=Path, default=None, help="the production build")
    parser.add_argument("--private-key", type=Path, required=True, help="the stack's JWT key")
    parser.add_argument("--issuer", default="kairos-local")
    parser.add_argument("--audience", default="kairos")
    parser.add_argument("--stripe-js-url", default="", help="where the app loads Stripe.js")
    parser.add_argument("--stripe-publishable-key", default="")
    parser.add_argument("--oidc-issuer", help="sign in at this issuer, not locally")
    parser.add_argument("--oidc-client-id", default="kairos-web")
    parser.add_argument("--oidc-resource", default=None, help="the API's resource indicator")
    args = parser.parse_args(argv)
    sign_in = (
        oidc_sign_in(args.oidc_issuer, args.oidc_client_id, args.oidc_resource)
        if args.oidc_issuer
        else None
    )
    config = web_config(args.stripe_js_url, args.stripe_publishable_key, sign_in)
    key = args.private_key.read_bytes()
    serve(args.port, args.dist, key, args.issuer, args.audience, config=config)


class WebServer(ChildServer):
    """This module as a child process of the stack."""

    label = "web"

    def __init__(
        self,
        dist: Path | None,
        private_key_file: Path,
        issuer: str,
        audience: str,
        port: int | None = None,
        log_file: Path | None = None,
        stripe_js_url: str = "",
        stripe_publishable_key: str = "",
        sign_in: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(port, log_file)
        self.sign_in = dict(sign_in) if sign_in else None
        self.stripe_js_url, self.stripe_publishable_key = stripe_js_url, stripe_publishable_key
        self.dist = dist
        self.private_key_file = private_key_file
        self.issuer, self.audience = issuer, audience

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "kairos_localstack.web_server",
            f"--port={self.port}",
            f"--private-key={self.private_key_file}",
            f"--issuer={self.issuer}",
            f"--audience={self.audience}",
            f"--stripe-js-url={self.stripe_js_url}",
            f"--stripe-publishable-key={self.stripe_publishable_key}",
        ]
        if self.sign_in and self.sign_in.get("kind") == "oidc":
            argv += [
                f"--oidc-issuer={self.sign_in['issuer']}",
                f"--oidc-client-id={self.sign_in['client_id']}",
            ]
            if self.sign_in.get("resource"):
                argv.append(f"--oidc-resource={self.sign_in['resource']}")
        return argv + ([f"--dist={self.dist}"] if self.dist is not None else [])

    def ready(self) -> bool:
        return httpx.get(f"{self.url}/health", timeout=1).status_code == 200


if __name__ == "__main__":
    main()
