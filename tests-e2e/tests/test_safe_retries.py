"""Safe retries through the gateway: a POST sent again with its Idempotency-Key creates
nothing more and answers the same (sequentially, and 20 at once, each sent again while
the first still runs, as a client does on 409 + Retry-After); the key with another body
is a 422. Holds are the example: a retried hold must never take a second seat."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from kairos_e2e.client import Gateway
from kairos_e2e.market import B, Market, mentee

pytestmark = pytest.mark.e2e


async def _until_answered(
    gateway: Gateway, body: dict[str, str], headers: dict[str, str]
) -> httpx.Response:
    """POST /holds as a client does: sent again after a 409 (the same key still running)
    or a 503, each with Retry-After, until a final answer or the deadline."""
    deadline = time.monotonic() + 30
    while True:
        resp = await gateway.http.post(f"{B}/holds", json=body, headers=headers)
        retry = resp.status_code in (409, 503) and "retry-after" in resp.headers
        if not retry or time.monotonic() > deadline:
            return resp
        await asyncio.sleep(0.2)  # sooner than Retry-After: a test, not a polite client


async def test_one_idempotency_key_one_hold(gateway: Gateway) -> None:
    market = Market(gateway, capacity=3)
    await market.open()
    first, second = [s.starts_at.isoformat() for s in (await market.slots())[:2]]
    _, who = mentee(gateway)
    body = {"offering_id": str(market.offering_id), "starts_at": first}
    key = {"Idempotency-Key": f"hold-{uuid.uuid4()}"}

    made = await gateway.http.post(f"{B}/holds", json=body, headers={**who, **key})
    again = await gateway.http.post(f"{B}/holds", json=body, headers={**who, **key})
    assert made.status_code == again.status_code == 201, again.text
    assert again.json() == made.json() and again.headers["idempotent-replayed"] == "true"
    assert await market.free_seats(first) == 2  # one seat taken, not two

    other = {"Idempotency-Key": f"hold-{uuid.uuid4()}"}
    racing = await asyncio.gather(*(
        _until_answered(gateway, {**body, "starts_at": second}, {**who, **other})
        for _ in range(20)
    ))  # fmt: skip
    created = [r for r in racing if r.status_code == 201]
    assert len(created) == 20, [r.text for r in racing]
    assert all(r.json() == created[0].json() for r in created), [r.text for r in racing]
    assert await market.free_seats(second) == 2

    reused = await gateway.http.post(
        f"{B}/holds", json={**body, "starts_at": second}, headers={**who, **key}
    )
    assert reused.status_code == 422 and reused.json()["type"].endswith("/idempotency-key-reused")
    mine = await gateway.http.get(f"{B}/me/holds", headers=who)
    assert sorted(h["hold_id"] for h in mine.json()["items"]) == sorted(
        {made.json()["hold_id"], created[0].json()["hold_id"]}
    )
