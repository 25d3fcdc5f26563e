"""A service's own API documentation pages, working behind the gateway and without a CDN.

FastAPI's default ``/docs`` and ``/redoc`` load Swagger UI and Redoc from a CDN and ask for
``/openapi.json`` at the site root, which behind the gateway (``/api/booking/docs``) is
another service's path or nothing. :func:`install_docs` replaces them:

  GET /docs                 Swagger UI over ``<prefix>/docs/openapi.json``
  GET /redoc                Redoc over the same document
  GET /docs/openapi.json    the service's OpenAPI document with ``servers`` set to its
                            public prefix, so "Try it out" calls go through the gateway
  GET /docs/static/<file>   Swagger UI's and Redoc's files, as the ``fastapi-offline``
                            package ships them (nothing is fetched from elsewhere)

The public prefix is the ``X-Forwarded-Prefix`` header Traefik's ``stripPrefix`` middleware
sets (``/api/booking``) plus the ASGI ``root_path``; a header that is not a plain path is
ignored (it is written into the page). Reached directly, without the gateway, the prefix is
empty and the same pages work at the root. ``/openapi.json`` itself is unchanged (the
merged document of the local stack reads it). None of these routes is in the document.
"""

from __future__ import annotations

import copy
import importlib.util
import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_PACKAGE", "assets_dir", "install_docs", "public_prefix"]

#: the package whose bundled files (Swagger UI 5, Redoc 2) the pages load
ASSETS_PACKAGE = "fastapi_offline"
DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
DOCUMENT_PATH = "/docs/openapi.json"
STATIC_PATH = "/docs/static"
#: Swagger UI without its calls elsewhere (the validator badge asks validator.swagger.io)
SWAGGER_UI_PARAMETERS: dict[str, Any] = {
    "deepLinking": True,
    "displayRequestDuration": True,
    "persistAuthorization": True,
    "tryItOutEnabled": False,
    "validatorUrl": None,
}

_PLAIN_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)*$")


def assets_dir() -> Path:
    """The folder of the assets package's static files (found without importing it)."""
    spec = importlib.util.find_spec(ASSETS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {ASSETS_PACKAGE} package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def public_prefix(request: Request) -> str:
    """The path the gateway serves this service under (``/api/booking``), or ``""``."""
    forwarded = request.headers.get("x-forwarded-prefix", "").rstrip("/")
    if not _PLAIN_PATH.fullmatch(forwarded):
        forwarded = ""
    root = str(request.scope.get("root_path") or "").rstrip("/")
    if not _PLAIN_PATH.fullmatch(root):
        root = ""
    return forwarded + root


def install_docs(app: FastAPI) -> None:
    """Replace FastAPI's CDN-backed ``/docs`` and ``/redoc`` with the pages above."""
    replaced = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    app.router.routes[:] = [
        r for r in app.router.routes if getattr(r, "path", None) not in replaced
    ]
    app.docs_url = app.redoc_url = None
    title = app.title

    async def swagger_ui(request: Request) -> HTMLResponse:
        prefix = public_prefix(request)
        return get_swagger_ui_html(
            openapi_url=f"{prefix}{DOCUMENT_PATH}",
            title=f"{title} API",
            swagger_js_url=f"{prefix}{STATIC_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{prefix}{STATIC_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{prefix}{STATIC_PATH}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    async def redoc(request: Request) -> HTMLResponse:
        prefix = public_prefix(request)
        return get_redoc_html(
            openapi_url=f"{prefix}{DOCUMENT_PATH}",
            title=f"{title} API",
            redoc_js_url=f"{prefix}{STATIC_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{prefix}{STATIC_PATH}/favicon.png",
            with_google_fonts=False,
        )

    async def document(request: Request) -> JSONResponse:
        spec = copy.deepcopy(app.openapi())
        spec["servers"] = [{"url": public_prefix(request) or "/"}]
        return JSONResponse(spec)

    app.add_api_route(DOCS_PATH, swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route(REDOC_PATH, redoc, methods=["GET"], include_in_schema=False)
    app.add_api_route(DOCUMENT_PATH, document, methods=["GET"], include_in_schema=False)
    app.mount(STATIC_PATH, StaticFiles(directory=assets_dir()), name="docs-static")
