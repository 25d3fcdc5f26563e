"""Every service, the same way: migrations apply on an empty database and roll back, and
its HTTP app writes a ping to its own outbox in the ping's transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from kairos_attendance.bootstrap import bootstrap as attendance
from kairos_booking.bootstrap import bootstrap as booking
from kairos_calendar_sync.bootstrap import bootstrap as calendar_sync
from kairos_payments.bootstrap import bootstrap as payments
from kairos_platform.auth import JWTVerifier, StaticKeySource
from kairos_platform.migrations import downgrade, upgrade
from kairos_platform.runtime import build_http_app
from kairos_platform.service import Service
from kairos_platform.settings import ServiceSettings
from kairos_platform.tokens_cli import generate_keypair, mint_token

pytestmark = pytest.mark.integration
BOOTSTRAPS: dict[str, Callable[[ServiceSettings], Service[Any]]] = {
    "booking": booking,
    "payments": payments,
    "attendance": attendance,
    "calendar-sync": calendar_sync,
}


@pytest.mark.parametrize("name", sorted(BOOTSTRAPS))
async def test_service_migrates_and_its_http_app_writes_pings_to_its_outbox(
    name: str, fresh_database: str
) -> None:
    make = BOOTSTRAPS[name]
    service = make(ServiceSettings(SERVICE_NAME=name, DATABASE_URL=fresh_database))
    url = service.settings.sqlalchemy_url
    # Alembic's env runs its own event loop: give it a thread.
    await asyncio.to_thread(upgrade, service.migrations, url)
    await asyncio.to_thread(downgrade, service.migrations, url, "base")
    await asyncio.to_thread(upgrade, service.migrations, url)

    private, public = generate_keypair()
    app = build_http_app(service)
    app.state.verifier = JWTVerifier(
        StaticKeySource.from_pem(public),
        issuer=service.settings.jwt_issuer,
        audience=service.settings.jwt_audience,
    )
    issuer, audience = service.settings.jwt_issuer, service.settings.jwt_audience
    admin = mint_token(
        private,
        sub="00000000-0000-0000-0000-0000000000ad",
        roles=["admin"],
        issuer=issuer,
        audience=audience,
    )
    mentee = mint_token(
        private,
        sub="00000000-0000-0000-0000-0000000000e1",
        roles=["mentee"],
        issuer=issuer,
        audience=audience,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://svc"
    ) as client:
        assert (
            await client.post("/system/pings", headers={"Authorization": f"Bearer {mentee}"})
        ).status_code == 403
        request_id = str(uuid.uuid4())
        resp = await client.post(
            "/system/pings",
            headers={"Authorization": f"Bearer {admin}", "X-Request-ID": request_id},
        )
        assert resp.status_code == 202, resp.text
        ping_id = resp.json()["ping_id"]
        seen = await client.get(
            f"/system/pings/{ping_id}", headers={"Authorization": f"Bearer {admin}"}
        )
        assert seen.json() == {"ping_id": ping_id, "responders": []}
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
    async with service.engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT topic, key, event_type, payload FROM outbox"))
        ).all()
    await service.engine.dispose()
    assert [(r.topic, r.key, r.event_type) for r in rows] == [("kairos.system", ping_id, "Ping")]
    assert rows[0].payload["source"] == name
    # The event carries the request's correlation id and trace, so logs can follow it across.
    assert rows[0].payload["correlation_id"] == request_id
    assert rows[0].payload["trace"]["traceparent"]
