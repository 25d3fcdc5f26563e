"""Safe retries through the gateway: a POST sent again with its Idempotency-Key creates
nothing more and answers the same (sequentially, and 20 at once); the key with another
body is a 422. Holds are the example: a retried hold must never take a second seat."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from kairos_e2e.client import Gateway
from kairos_e2e.market import B, Market, mentee

pytestmark = pytest.mark.e2e


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
        gateway.http.post(
            f"{B}/holds", json={**body, "starts_at": second}, headers={**who, **other}
        )
        for _ in range(20)
    ))  # fmt: skip
    created = [r for r in racing if r.status_code == 201]
    assert created and all(r.json() == created[0].json() for r in created), [r.text for r in racing]
    assert {r.status_code for r in racing} <= {201, 409}  # 409: the first still running
    assert await market.free_seats(second) == 2

    reused = await gateway.http.post(
        f"{B}/holds", json={**body, "starts_at": second}, headers={**who, **key}
    )
    assert reused.status_code == 422 and reused.json()["type"].endswith("/idempotency-key-reused")
    mine = await gateway.http.get(f"{B}/me/holds", headers=who)
    assert sorted(h["hold_id"] for h in mine.json()["items"]) == sorted(
        {made.json()["hold_id"], created[0].json()["hold_id"]}
    )
