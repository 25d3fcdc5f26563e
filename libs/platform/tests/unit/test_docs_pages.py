"""A service's own /docs and /redoc: local assets only, and the right URLs behind the
gateway's prefix (Traefik's stripPrefix sets X-Forwarded-Prefix)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter

from kairos_platform.http import create_app
from kairos_platform.settings import ServiceSettings

router = APIRouter()


@router.get("/things")
async def things() -> list[str]:
    return []


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ServiceSettings(LOG_JSON=False), title="booking", routers=[router])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        yield c


def urls(page: str) -> list[str]:
    """Every URL the page loads or links: src/href attributes and the JS config's url."""
    found = re.findall(r'(?:src|href|spec-url)="([^"]+)"', page)
    found += re.findall(r"url: '([^']+)'", page)
    return found


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_pages_load_only_local_assets_under_the_gateway_prefix(
    client: httpx.AsyncClient, path: str
) -> None:
    page = await client.get(path, headers={"X-Forwarded-Prefix": "/api/booking"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    loaded = urls(page.text)
    assert loaded, page.text
    assert "/api/booking/docs/openapi.json" in loaded
    assert "cdn" not in page.text.lower()
    assert "fonts.googleapis" not in page.text
    for url in loaded:
        assert url.startswith("/api/booking/docs/"), url  # nothing from another host
        # Through the gateway the prefix is stripped: the service answers the rest.
        asset = await client.get(url.removeprefix("/api/booking"))
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url


async def test_the_document_names_the_prefix_as_its_server(client: httpx.AsyncClient) -> None:
    behind = await client.get("/docs/openapi.json", headers={"X-Forwarded-Prefix": "/api/booking"})
    assert behind.json()["servers"] == [{"url": "/api/booking"}]
    assert "/things" in behind.json()["paths"]
    direct = await client.get("/docs/openapi.json")
    assert direct.json()["servers"] == [{"url": "/"}]
    # /openapi.json itself is unchanged (the local stack's merged document reads it).
    assert "servers" not in (await client.get("/openapi.json")).json()
    # None of the documentation routes is part of the API.
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc"))]


async def test_an_odd_forwarded_prefix_is_not_written_into_the_page(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/docs", headers={"X-Forwarded-Prefix": '/x"><script>alert(1)'})
    assert "<script>alert" not in page.text
    assert "/docs/openapi.json" in urls(page.text)
    assert all(u.startswith("/docs/") for u in urls(page.text))


async def test_without_the_gateway_the_pages_work_at_the_root(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    for url in urls(page.text):
        assert url.startswith("/docs/")
        assert (await client.get(url)).status_code == 200, url
    assert (await client.get("/docs/static/../../etc/passwd")).status_code == 404
