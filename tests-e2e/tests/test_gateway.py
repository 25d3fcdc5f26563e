"""The local gateway's own behaviours, end to end: request ids, the raw Stripe webhook, and
the merged API documents (rate limiting is tested on a small dedicated Traefik in
libs/localstack/tests/test_traefik.py, with a limit low enough to reach).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from typing import Any

import pytest

from kairos_contracts import asyncapi
from kairos_e2e.client import Gateway

pytestmark = pytest.mark.e2e
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"
PREFIXES = {
    "booking": "/api/booking/",
    "payments": "/api/payments/",
    "attendance": "/api/attendance/",
    "calendar-sync": "/api/calendar/",
}


async def test_request_ids_are_kept_when_well_formed_else_made(gateway: Gateway) -> None:
    http = gateway.http
    kept = await http.get("/api/booking/health/live", headers={"X-Request-Id": "client-id-42"})
    assert kept.headers.get_list("X-Request-Id") == ["client-id-42"]  # once, not doubled
    made = await http.get("/api/calendar/health/live")
    assert re.fullmatch(UUID4, made.headers["X-Request-Id"])
    bad = await http.get("/api/payments/health/live", headers={"X-Request-Id": "no\tspaces ok"})
    assert re.fullmatch(UUID4, bad.headers["X-Request-Id"])


def _stripe_signature(secret: str, payload: bytes, at: int) -> str:
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


async def test_the_stripe_webhook_reaches_payments_byte_for_byte(
    gateway: Gateway, local_stack: Any
) -> None:
    secret = local_stack.endpoints["stripe_webhook_secret"]
    event_id = f"evt_gateway_{uuid.uuid4().hex[:12]}"
    # Odd spacing and key order on purpose: any re-encoding on the way breaks the signature.
    payload = (
        f'{{"type":"customer.updated",  "id": "{event_id}" ,"created":{int(time.time())},'
        '"data":{"object":{"object":"customer","id":"cus_gw"}}}\n'
    ).encode()
    sig = _stripe_signature(secret, payload, int(time.time()))
    hook = "/api/payments/webhooks/stripe"
    ok = await gateway.http.post(
        hook, content=payload, headers={"Stripe-Signature": sig, "Content-Type": "application/json"}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"received": True, "event_id": event_id, "duplicate": False}
    again = await gateway.http.post(hook, content=payload, headers={"Stripe-Signature": sig})
    assert again.json()["duplicate"] is True  # payments recorded it
    # The same event re-serialised (what a body-rewriting proxy would send) is refused.
    reencoded = json.dumps(json.loads(payload)).encode()
    refused = await gateway.http.post(hook, content=reencoded, headers={"Stripe-Signature": sig})
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_the_merged_openapi_has_every_service_under_its_prefix(gateway: Gateway) -> None:
    resp = await gateway.http.get("/api/docs/openapi.json")
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    for name, prefix in PREFIXES.items():
        own = await gateway.http.get(f"{prefix}openapi.json")
        assert own.status_code == 200
        for path in own.json()["paths"]:
            assert prefix.rstrip("/") + path in doc["paths"], (name, path)
    assert "/api/payments/webhooks/stripe" in doc["paths"]
    assert {t["name"] for t in doc["tags"]} == set(PREFIXES)
    ops = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ops) == len(set(ops))


@pytest.mark.parametrize("service", sorted(PREFIXES))
async def test_asyncapi_documents_are_served(gateway: Gateway, service: str) -> None:
    resp = await gateway.http.get(f"/api/docs/asyncapi/{service}.json")
    assert resp.status_code == 200
    assert resp.text == (asyncapi.DOCS_DIR / f"{service}.json").read_text()
    assert (await gateway.http.get("/api/docs/asyncapi/nobody.json")).status_code == 404
