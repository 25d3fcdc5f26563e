"""The documentation pages through the gateway: /api/docs/ (Swagger UI over the merged
OpenAPI, the AsyncAPI documents as HTML) and each service's own /docs and /redoc under its
prefix. Every asset a page loads comes from the gateway itself, and loads."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from kairos_e2e.client import Gateway

pytestmark = pytest.mark.e2e


def page_urls(page: str) -> list[str]:
    """What a page loads or links: src/href attributes, the Swagger UI config's url,
    Redoc's spec-url and the merged page's data-openapi-url."""
    found = re.findall(r'(?:src|href|spec-url|data-openapi-url)="([^"]+)"', page)
    return found + re.findall(r"url: '([^']+)'", page)


async def assert_local_and_loading(gw: Gateway, page_url: str, text: str) -> list[str]:
    origin = urlsplit(gw.base_url)
    absolute = []
    for url in page_urls(text):
        full = urljoin(page_url, url)
        where = urlsplit(full)
        assert (where.scheme, where.netloc) == (origin.scheme, origin.netloc), url
        absolute.append(full)
        if where.fragment:
            continue
        resp = await gw.http.get(full)
        assert resp.status_code == 200, (url, resp.status_code)
        assert resp.content, url
    return absolute


async def test_the_api_docs_page_uses_only_local_assets(gateway: Gateway) -> None:
    page_url = f"{gateway.base_url}/api/docs/"
    page = await gateway.http.get(page_url)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    urls = await assert_local_and_loading(gateway, page_url, page.text)
    assert f"{gateway.base_url}/api/docs/static/swagger-ui-bundle.js" in urls
    js = await gateway.http.get(f"{gateway.base_url}/api/docs/static/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in js.text
    merged = await gateway.http.get(f"{gateway.base_url}/api/docs/openapi.json")
    assert "/api/booking/live/tokens" in merged.json()["paths"]
    # The events: every service's topics, from its AsyncAPI document.
    for topic in ("kairos.booking.bookings", "kairos.payments.payments", "kairos.calendar.sync"):
        assert f"<code>{topic}</code>" in page.text


@pytest.mark.parametrize("service", ["booking", "payments", "attendance", "calendar"])
async def test_each_service_docs_work_behind_its_prefix(gateway: Gateway, service: str) -> None:
    prefix = f"{gateway.base_url}/api/{service}"
    for page_path in ("/docs", "/redoc"):
        page = await gateway.http.get(prefix + page_path)
        assert page.status_code == 200, (page_path, page.text[:200])
        assert "cdn." not in page.text
        urls = await assert_local_and_loading(gateway, prefix + page_path, page.text)
        spec_url = f"{prefix}/docs/openapi.json"
        assert spec_url in urls, urls
    spec = (await gateway.http.get(spec_url)).json()
    # "Try it out" sends requests to the server the document names: the gateway prefix.
    assert spec["servers"] == [{"url": f"/api/{service}"}]
    assert spec["paths"]
    health = await gateway.http.get(gateway.base_url + spec["servers"][0]["url"] + "/health/live")
    assert health.status_code == 200
