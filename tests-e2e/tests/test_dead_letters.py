"""Dead letters through the gateway, on the test session's stack: a record no service can
handle is dead-lettered by each, listed with its error by each service's admin route, and
re-driven in one service only: that service's consumer takes it again (and dead-letters it
again, the cause not being fixable here), the other services do not (their inbox holds it).
The exactly-once re-drive after a fix is libs/platform/tests/integration/test_dead_letters.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from kairos_contracts import Envelope
from kairos_contracts.topics import SYSTEM
from kairos_e2e.client import Gateway, eventually

pytestmark = pytest.mark.e2e
PREFIXES = {
    "booking": "/api/booking",
    "payments": "/api/payments",
    "attendance": "/api/attendance",
    "calendar-sync": "/api/calendar",
}


async def produce(bootstrap: str, key: bytes, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(SYSTEM, value=value, key=key)
    finally:
        await producer.stop()


async def dead_letter(gateway: Gateway, prefix: str, event_id: uuid.UUID) -> Any:
    admin = gateway.as_user("admin")
    seen: list[Any] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = await gateway.http.get(f"{prefix}/system/dead-letters", params=params, headers=admin)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [d for d in body["items"] if d["event_id"] == str(event_id)]
        if not body["has_more"]:
            return seen[0] if seen else None
        cursor = body["next_cursor"]


def at(dead: Any) -> datetime:
    return datetime.fromisoformat(dead["dead_lettered_at"])


async def test_dead_letters_are_listed_per_service_and_redriven_in_one_only(
    gateway: Gateway,
    local_stack: Any,
) -> None:
    bootstrap = local_stack.endpoints["kafka_bootstrap"]
    # a readable envelope whose payload no service accepts: poison at once, everywhere
    event_id = uuid.uuid4()
    bad = Envelope(
        event_id=event_id,
        type="Ping",
        version=1,
        source="e2e",
        subject="not-a-ping",
        correlation_id=event_id,
        data={"ping_id": "not-a-uuid", "origin": "e2e"},
    )
    await produce(bootstrap, b"not-a-ping", bad.to_json())
    # and bytes that are no envelope at all
    await produce(bootstrap, b"garbage", b"\xff not json")

    listed: dict[str, Any] = {}
    for service, prefix in PREFIXES.items():

        async def parked(prefix: str = prefix) -> Any:
            return await dead_letter(gateway, prefix, event_id)

        listed[service] = await eventually(parked, timeout=60, what=f"{service}'s dead letter")
        assert listed[service]["event_type"] == "Ping"
        assert listed[service]["topic"] == SYSTEM and listed[service]["key"] == "not-a-ping"
        assert "ValidationError" in listed[service]["error"]
        assert listed[service]["attempts"] == 1 and listed[service]["redrivable"] is True

    booking, admin = PREFIXES["booking"], gateway.as_user("admin")
    url = f"{booking}/system/dead-letters/{event_id}/redrive"
    assert (await gateway.http.post(url)).status_code == 401
    refused = await gateway.http.post(url, headers=gateway.as_user("mentee"))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    unknown = await gateway.http.post(
        f"{booking}/system/dead-letters/{uuid.uuid4()}/redrive", headers=admin
    )
    assert unknown.status_code == 404, unknown.text

    redriven = await gateway.http.post(url, headers=admin)
    assert redriven.status_code == 202, redriven.text
    assert redriven.json() == {"event_id": str(event_id), "event_type": "Ping", "topic": SYSTEM}

    # booking's consumer takes it again and, the cause unfixed, parks it again
    async def parked_again() -> Any:
        again = await dead_letter(gateway, booking, event_id)
        if again and at(again) > at(listed["booking"]):
            return again
        return None

    await eventually(parked_again, timeout=60, what="booking's consumer to take it again")
    # the others skipped the re-driven record: their dead letters are as they were
    for service in ("payments", "attendance", "calendar-sync"):
        assert await dead_letter(gateway, PREFIXES[service], event_id) == listed[service]

    # the unreadable record is listed but not re-drivable
    async def unreadable() -> Any:
        page = await gateway.http.get(
            f"{booking}/system/dead-letters", params={"limit": 200}, headers=admin
        )
        return [
            d for d in page.json()["items"] if d["redrivable"] is False and d["key"] == "garbage"
        ]

    garbage = (await eventually(unreadable, timeout=60, what="the unreadable record"))[0]
    assert garbage["event_type"] is None
    no = await gateway.http.post(
        f"{booking}/system/dead-letters/{garbage['event_id']}/redrive", headers=admin
    )
    assert no.status_code == 409 and no.json()["type"].endswith("/unreadable-dead-letter")
