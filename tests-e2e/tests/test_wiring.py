"""The whole local stack, through the gateway: every service is ready behind its exact
prefix, and an event from any service reaches every other and comes back.
"""

from __future__ import annotations

from typing import Any

import pytest

from kairos_e2e.client import Gateway, eventually

pytestmark = pytest.mark.e2e
PREFIXES = {
    "booking": "/api/booking",
    "payments": "/api/payments",
    "attendance": "/api/attendance",
    "calendar-sync": "/api/calendar",
}


@pytest.mark.parametrize("prefix", sorted(PREFIXES.values()))
async def test_each_prefix_answers_ready_through_the_gateway(gateway: Gateway, prefix: str) -> None:
    resp = await gateway.http.get(f"{prefix}/health/ready")
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "ready"


async def test_prefixes_are_exact(gateway: Gateway) -> None:
    assert (await gateway.http.get("/api/bookingX/health/ready")).status_code == 404
    assert (await gateway.http.get("/api/booking/health/ready")).status_code == 200


@pytest.mark.parametrize("origin", sorted(PREFIXES))
async def test_a_ping_from_any_service_is_answered_by_the_other_three(
    gateway: Gateway, origin: str
) -> None:
    prefix = PREFIXES[origin]
    admin = gateway.as_user("admin")
    assert (await gateway.http.post(f"{prefix}/system/pings")).status_code == 401
    assert (
        await gateway.http.post(f"{prefix}/system/pings", headers=gateway.as_user("mentee"))
    ).status_code == 403
    sent = await gateway.http.post(f"{prefix}/system/pings", headers=admin)
    assert sent.status_code == 202, sent.text
    ping_id = sent.json()["ping_id"]
    expected = sorted(set(PREFIXES) - {origin})

    async def answered() -> Any:
        body = (await gateway.http.get(f"{prefix}/system/pings/{ping_id}", headers=admin)).json()
        return body["responders"] == expected

    await eventually(answered, timeout=30, what=f"pongs for a ping from {origin}")
