"""The /api/docs/ page of the docs server: Swagger UI over the merged OpenAPI and the
AsyncAPI documents rendered as HTML, every asset served by the docs server itself."""

import json
import re
from pathlib import Path

import httpx
import pytest

from kairos_contracts import asyncapi
from kairos_localstack.docs_server import (
    DocsServer,
    DocsSource,
    events_html,
    page_html,
    static_file,
)

SOURCES = [
    DocsSource("booking", "/api/booking/", 1),
    DocsSource("payments", "/api/payments/", 2),
]


def loaded(page: str) -> list[str]:
    return re.findall(r'(?:src|href|data-openapi-url)="([^"]+)"', page)


def test_the_page_names_only_local_urls() -> None:
    page = page_html(SOURCES)
    urls = loaded(page)
    assert "static/swagger-ui-bundle.js" in urls and "static/swagger-ui.css" in urls
    assert "openapi.json" in urls
    for url in urls:
        # relative to /api/docs/, a fragment, or a service's own docs through the gateway
        assert not re.match(r"^[a-z]+:|^//", url), url
    assert "/api/booking/docs" in urls and "/api/payments/docs" in urls
    assert "<script>" not in page  # no inline script: the page's own script is a file


def test_events_are_listed_from_the_asyncapi_documents() -> None:
    doc = json.loads((asyncapi.DOCS_DIR / "booking.json").read_text())
    text = events_html("booking", doc)
    for channel in doc["channels"].values():
        assert f"<code>{channel['address']}</code>" in text
    for name in doc["components"]["messages"]:
        assert f'id="booking-{name}"' in text
    assert "publishes" in text and "consumes" in text
    assert 'href="asyncapi/booking.json"' in text


def test_static_files_are_the_packaged_ones_and_nothing_else() -> None:
    js = static_file("swagger-ui-bundle.js")
    assert js is not None and js[1].startswith("text/javascript") and len(js[0]) > 100_000
    assert static_file("kairos-docs.js") is not None
    for bad in ("../pyproject.toml", "nope.js", "core.py", ""):
        assert static_file(bad) is None, bad


@pytest.mark.integration
def test_the_server_serves_the_page_and_its_assets(tmp_path: Path) -> None:
    server = DocsServer(SOURCES, log_file=tmp_path / "docs.log")
    server.start()
    try:
        page = httpx.get(f"{server.url}/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        for url in loaded(page.text):
            if url.startswith("static/"):
                asset = httpx.get(f"{server.url}/{url}")
                assert asset.status_code == 200, url
                assert asset.headers["cache-control"].startswith("public")
        assert httpx.get(f"{server.url}/static/..%2Fdocs_server.py").status_code == 404
    finally:
        server.stop()
