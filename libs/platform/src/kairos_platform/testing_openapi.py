"""The checks every service's OpenAPI tests make of its document, written once: each test
module names what is its own (public routes, paged lists, models, path parameters)."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import httpx

from kairos_platform.openapi_checks import PROBLEM_CONTENT, is_typed, operations

__all__ = [
    "check_401_without_a_token",
    "check_answers_are_typed",
    "check_errors_are_problems",
    "check_everything_runs_on_the_loop",
    "check_lists_are_cursor_pages",
    "check_models_carry_examples",
]

Route = tuple[str, str]


def check_answers_are_typed(spec: dict[str, Any], *, own: Collection[Route] = ()) -> None:
    """One 2xx answer per operation: a 204 without content, else a typed JSON body. The
    routes in ``own`` answer something else, which their test checks itself."""
    for method, path, op in operations(spec):
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert len(ok) == 1, (method, path, ok)
        [(status, answer)] = ok.items()
        if (method, path) in own:
            continue
        if status == "204":
            assert "content" not in answer, (method, path)
            continue
        assert list(answer["content"]) == ["application/json"], (method, path)
        schema = answer["content"]["application/json"]["schema"]
        assert is_typed(schema, spec), (method, path, schema)


def check_errors_are_problems(spec: dict[str, Any], *, public: Collection[Route]) -> None:
    """Every 4xx/5xx answer is the problem schema; every route but the public ones
    documents 401 and 503."""
    for method, path, op in operations(spec):
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        for status, answer in errors.items():
            assert answer["content"] == PROBLEM_CONTENT, (method, path, status)
        if (method, path) not in public:
            assert {"401", "503"} <= set(errors), (method, path, sorted(errors))


def check_lists_are_cursor_pages(spec: dict[str, Any], paths: Collection[str]) -> None:
    """Each GET of ``paths`` takes limit and cursor and answers a page."""
    schemas = spec["components"]["schemas"]
    for path in paths:
        op = spec["paths"][path]["get"]
        assert {p["name"] for p in op["parameters"] if p["in"] == "query"} >= {"limit", "cursor"}
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schemas[ref.rsplit("/", 1)[-1]]
        assert {"items", "next_cursor", "has_more"} <= set(page["properties"]), path


def check_models_carry_examples(spec: dict[str, Any], names: Collection[str]) -> None:
    schemas = spec["components"]["schemas"]
    for name in names:
        assert schemas[name].get("examples"), name


async def check_401_without_a_token(
    app: Any,
    spec: dict[str, Any],
    *,
    public: Collection[Route],
    params: Mapping[str, str],
    body: Any,
) -> None:
    """Every route but the public ones answers 401 problem+json to a call without a token.
    ``params``: path parameter -> value (``{ping_id}`` gets a UUID unless given)."""
    values = {"ping_id": str(uuid.uuid4())} | dict(params)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a")
    for method, path, _ in operations(spec):
        if (method, path) in public:
            continue
        url = path
        for name, value in values.items():
            url = url.replace(f"{{{name}}}", value)
        resp = await client.request(method.upper(), url, json=body)
        assert resp.status_code == 401, (method, path, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")


def check_everything_runs_on_the_loop(app: Any) -> None:
    """Every endpoint and every dependency of every route is a coroutine (or an async
    generator): FastAPI runs a plain ``def`` on its thread pool, a hand-off to a worker
    thread and back for each one on every request, though none of ours blocks."""
    found = list(_calls(app.routes))
    assert len(found) > 10, found  # the routes were found (FastAPI nests included routers)
    for where, call in found:
        assert _runs_on_the_loop(call), (where, call)


def _calls(routes: Any) -> Iterator[tuple[str, Any]]:
    for route in routes:
        # an included router (FastAPI wraps it: its own routes, its include's dependencies)
        included = getattr(route, "original_router", None)
        if included is not None:
            for depends in getattr(route.include_context, "dependencies", ()):
                yield "include", depends.dependency
            yield from _calls(included.routes)
        dependant = getattr(route, "dependant", None)
        if dependant is not None:
            yield from ((route.path, call) for call in _dependant_calls(dependant))


def _dependant_calls(dependant: Any) -> Iterator[Any]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _dependant_calls(sub)


def _runs_on_the_loop(call: Any) -> bool:
    def is_async(f: Any) -> bool:
        return inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f)

    if inspect.isclass(call):
        return False  # a class as a dependency is instantiated on the thread pool
    return is_async(call) or is_async(getattr(call, "__call__", None))  # noqa: B004
