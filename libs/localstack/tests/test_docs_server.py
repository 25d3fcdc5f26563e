import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kairos_contracts import asyncapi
from kairos_localstack.docs_server import (
    DocsServer,
    DocsSource,
    asyncapi_document,
    merge_openapi,
)

from .local_http import QuietHandler, serving


def _doc(schema_a: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "paths": {
            "/things": {
                "get": {
                    "operationId": "list_things",
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            }
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {"Thing": schema_a, "Problem": {"type": "object"}},
            "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def test_merge_prefixes_paths_and_qualifies_clashing_schemas() -> None:
    one = _doc({"type": "object", "properties": {"a": {"type": "string"}}})
    two = _doc({"type": "object", "properties": {"b": {"type": "integer"}}})
    merged = merge_openapi([("booking", "/api/booking/", one), ("payments", "/api/payments/", two)])
    assert set(merged["paths"]) == {"/api/booking/things", "/api/payments/things"}
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"Thing", "payments.Thing", "Problem"}  # Problem is identical: shared

    def ref(path: str) -> Any:
        return merged["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["$ref"]

    assert ref("/api/booking/things") == "#/components/schemas/Thing"
    assert ref("/api/payments/things") == "#/components/schemas/payments.Thing"
    assert schemas["payments.Thing"]["properties"] == {"b": {"type": "integer"}}
    ops = [merged["paths"][p]["get"]["operationId"] for p in merged["paths"]]
    assert ops == ["booking.list_things", "payments.list_things"]
    assert merged["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert one["paths"]["/things"]["get"]["operationId"] == "list_things"  # inputs untouched


def test_asyncapi_documents_are_the_checked_in_ones() -> None:
    text = asyncapi_document("booking")
    assert text is not None and json.loads(text)["asyncapi"]
    assert text == (asyncapi.DOCS_DIR / "booking.json").read_text()
    assert asyncapi_document("nope") is None


class _OpenAPI(QuietHandler):
    def do_GET(self) -> None:
        body = json.dumps(_doc({"type": "string"})).encode()
        self.send(body, 200 if self.path == "/openapi.json" else 404)


@pytest.fixture
def service_port() -> Iterator[int]:
    with serving(_OpenAPI) as port:
        yield port


@pytest.mark.integration
def test_the_server_merges_live_documents(tmp_path: Path, service_port: int) -> None:
    server = DocsServer(
        [DocsSource("calendar-sync", "/api/calendar/", service_port)], log_file=tmp_path / "d.log"
    )
    server.start()
    try:
        merged = httpx.get(f"{server.url}/openapi.json").json()
        assert list(merged["paths"]) == ["/api/calendar/things"]
        one = httpx.get(f"{server.url}/asyncapi/calendar-sync.json")
        assert one.status_code == 200 and one.json()["asyncapi"]
        missing = httpx.get(f"{server.url}/asyncapi/nope.json")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert httpx.get(f"{server.url}/asyncapi/").json() == {"services": ["calendar-sync"]}
    finally:
        server.stop()
