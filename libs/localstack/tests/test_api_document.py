"""The merged OpenAPI, as a client generator reads it: every operation answers a typed body
(or nothing), documents its errors as the one problem schema, says 401 when it needs a
token, and has a unique, readable operation id; no whole answer is a free-form object."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from kairos_localstack.api_document import merged_document
from kairos_platform.openapi_checks import PROBLEM_CONTENT, is_typed, operations

#: no token needed: the catalog, the Stripe webhook (signed), the ICS feed and the mails'
#: unsubscribe links (their token)
PUBLIC = {
    "/api/booking/providers", "/api/booking/providers/{provider_id}",
    "/api/booking/providers/{provider_id}/availability", "/api/booking/offerings",
    "/api/booking/offerings/{offering_id}", "/api/booking/offerings/{offering_id}/slots",
    "/api/payments/webhooks/stripe", "/api/calendar/feeds/{token}.ics",
    "/api/calendar/unsubscribe/{token}",
}  # fmt: skip


def _typed(schema: dict[str, Any], spec: dict[str, Any]) -> bool:
    # a model, or text (text/calendar, text/event-stream)
    return is_typed(schema, spec) or schema.get("type") == "string"


def test_every_operation_of_the_merged_document_is_typed_and_documents_its_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    spec = merged_document()
    assert "LOG_LEVEL" not in os.environ  # the test process's own logging left as it was
    found = operations(spec)
    assert len(found) > 50
    ids = [op["operationId"] for _, _, op in found]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z-]+\.[a-z_]+", i) for i in ids), ids  # service.route_name
    for method, path, op in found:
        where = f"{method.upper()} {path}"
        ok = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert ok, where
        for status, answer in ok.items():
            if status == "204":
                assert "content" not in answer, where
                continue
            # one media type, or a typed body and a page (the one-click unsubscribe's POST)
            assert len(answer["content"]) == 1 or set(answer["content"]) == {
                "application/json", "text/html",
            }, where  # fmt: skip
            for kind, media in answer["content"].items():
                assert _typed(media["schema"], spec), (where, kind, media["schema"])
        for code, answer in op["responses"].items():
            if code[0] in "45":
                assert answer["content"] == PROBLEM_CONTENT
        if path not in PUBLIC:
            assert "401" in op["responses"], where
