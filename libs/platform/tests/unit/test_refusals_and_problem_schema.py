"""Refusals answered as problem+json, and every error documented as the one problem schema."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.testclient import TestClient

from kairos_platform.http import create_app
from kairos_platform.pagination import Page, PageQuery, decode_cursor, encode_cursor, page_of
from kairos_platform.problem_schema import problems
from kairos_platform.refusals import Conflict, Invalid, NotFound
from kairos_platform.settings import ServiceSettings


class _NoVerifier:
    async def verify(self, token: str) -> Any:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


def _app() -> Any:
    router = APIRouter()

    @router.post("/things/{thing_id}", responses=problems(404, 409, s409="It is taken."))
    async def take(thing_id: int) -> dict[str, int]:
        if thing_id == 1:
            raise NotFound("No thing 1.")
        raise Conflict("Taken.", slug="thing-taken", retry_after_s=2, taken_by="someone")

    @router.get("/pages")
    async def pages(page: PageQuery) -> Page[int]:
        start = page.after[0] + 1 if page.after else 0
        return page_of(
            list(range(start, min(start + page.limit + 1, 7))), page.limit, lambda n: [n]
        )

    settings = ServiceSettings(SERVICE_NAME="t")
    return create_app(settings, title="t", routers=[router], verifier=_NoVerifier())


def test_a_refusal_is_a_problem_with_its_status_slug_headers_and_members() -> None:
    client = TestClient(_app())
    missing = client.post("/things/1")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["type"].endswith("/not-found")
    taken = client.post("/things/2")
    assert taken.status_code == 409 and taken.headers["retry-after"] == "2"
    assert taken.json() == {
        "type": "https://kairos.dev/problems/thing-taken", "title": "Conflict", "status": 409,
        "detail": "Taken.", "taken_by": "someone",
    }  # fmt: skip


def test_every_error_response_is_documented_as_the_problem_schema() -> None:
    spec = _app().openapi()
    responses = spec["paths"]["/things/{thing_id}"]["post"]["responses"]
    for status in ("404", "409", "422"):
        assert list(responses[status]["content"]) == ["application/problem+json"], status
        schema = responses[status]["content"]["application/problem+json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ProblemDetails"}
    assert responses["409"]["description"] == "It is taken."
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "FieldError" in schemas
    assert {"type", "title", "status"} <= set(schemas["ProblemDetails"]["required"])


def test_pages_follow_each_other_by_cursor_and_a_foreign_cursor_is_a_422() -> None:
    client = TestClient(_app())
    seen, cursor, pages = [], None, 0
    while True:
        body = client.get("/pages", params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        assert body.status_code == 200, body.text
        seen += body.json()["items"]
        pages += 1
        cursor = body.json()["next_cursor"]
        assert body.json()["has_more"] == (cursor is not None)
        if cursor is None:
            break
    assert seen == list(range(7)) and pages == 3
    assert decode_cursor(encode_cursor([5, "x"])) == [5, "x"]
    bad = client.get("/pages", params={"cursor": "not-a-cursor!"})
    assert bad.status_code == 422 and bad.json()["type"].endswith("/bad-cursor")
    too_many = client.get("/pages", params={"limit": 1000})
    assert too_many.status_code == 422
    assert Invalid("x").status == 422
