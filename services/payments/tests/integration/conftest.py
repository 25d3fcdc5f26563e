"""Fixtures: a real localstripe per test session, and per test a payments service on a
fresh PostgreSQL database with its HTTP app (real JWT verification) and a Dispatcher to
deliver booking events exactly as the consumer would."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import stripe
import uvicorn
from sqlalchemy import text

from kairos_contracts import Envelope, Event
from kairos_contracts.events.booking import HoldPlaced
from kairos_contracts.examples import example
from kairos_localstack.ports import free_port
from kairos_localstack.stripe import LOCAL_API_KEY, LocalStripe, register_webhook
from kairos_payments.bootstrap import bootstrap
from kairos_payments.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_payments.settings import PaymentsSettings
from kairos_platform.messaging.consumer import Dispatcher
from kairos_platform.runtime import build_dispatcher
from kairos_platform.service import Service
from kairos_platform.testing_services import (
    bearer,
    deliver,
    eventually,
    outbox_rows,
    serve_migrated,
)

SECRET = "whsec_test_payments"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    ls = LocalStripe()
    ls.start()
    yield ls
    ls.stop()


@pytest.fixture(scope="session")
def stripe_client(localstripe: LocalStripe) -> stripe.StripeClient:
    """Plays the browser (Stripe.js) and the auditor: talks to localstripe directly."""
    return stripe.StripeClient(
        LOCAL_API_KEY,
        base_addresses={"api": localstripe.api_base},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
        max_network_retries=0,
    )


@dataclass
class Payments:
    service: Service[ServiceUnitOfWork]
    client: httpx.AsyncClient
    dispatcher: Dispatcher
    private_key: bytes
    tokens: dict[uuid.UUID, str] = field(default_factory=dict)

    def token(self, user_id: uuid.UUID, role: str = "mentee", **claims: Any) -> str:
        return bearer(self.service, self.private_key, user_id, [role], claims)

    def auth(self, user_id: uuid.UUID, role: str = "mentee", **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, role, **claims)}"}

    async def deliver(self, event: Event | Envelope) -> Any:
        return await deliver(self.dispatcher, event)

    async def place_hold(self, mentee: uuid.UUID, **overrides: Any) -> HoldPlaced:
        now = datetime.now(UTC)
        values: dict[str, Any] = {
            "hold_id": uuid.uuid4(),
            "mentee_id": mentee,
            "offering_id": uuid.uuid4(),
            "amount_minor": 4500,
            "currency": "EUR",
            "price_in_credits": 1,
            "starts_at": now + timedelta(days=2),
            "ends_at": now + timedelta(days=2, hours=1),
            "expires_at": now + timedelta(minutes=10),
        }
        hold = example(HoldPlaced, **(values | overrides))
        await self.deliver(hold)
        return hold

    async def outbox(self, event_type: str) -> list[dict[str, Any]]:
        return [r.payload["data"] for r in await outbox_rows(self.service, event_type)]

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.service.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()


def sign(payload: bytes, secret: str = SECRET, at: int | None = None) -> str:
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), b"%d.%s" % (t, payload), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def intent_event(intent_id: str, type_: str = "payment_intent.amount_capturable_updated") -> bytes:
    """A Stripe event as Stripe would send it (our handler reads only what changed)."""
    return json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:20]}",
            "object": "event",
            "type": type_,
            "created": int(time.time()),
            "data": {"object": {"id": intent_id, "object": "payment_intent"}},
        }
    ).encode()


def settings_for(url: str, api_base: str, **extra: Any) -> PaymentsSettings:
    return PaymentsSettings(
        SERVICE_NAME="payments",
        DATABASE_URL=url,
        STRIPE_API_BASE=api_base,
        STRIPE_API_KEY=LOCAL_API_KEY,
        STRIPE_WEBHOOK_SECRET=SECRET,
        **({"HOLD_WAIT_S": 0.3, "OFFERING_WAIT_S": 0.3, "PAYMENT_STALE_AFTER_S": 0.0} | extra),
    )


async def open_payments(
    url: str, api_base: str, keypair: tuple[bytes, bytes], **extra: Any
) -> tuple[Payments, Any]:
    service = bootstrap(settings_for(url, api_base, **extra))
    app, client = await serve_migrated(service, keypair[1], "http://payments")
    return Payments(service, client, build_dispatcher(service), keypair[0]), app


@contextlib.asynccontextmanager
async def webhooked_payments(
    url: str,
    localstripe: LocalStripe,
    keypair: tuple[bytes, bytes],
    events: list[str] | None = None,
) -> AsyncIterator[Payments]:
    """Payments served over real HTTP, localstripe posting its signed webhooks (``events``,
    all when None) to it; on exit the webhook points nowhere again and the server stops."""
    p, app = await open_payments(url, localstripe.api_base, keypair)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    hook = f"test-{uuid.uuid4().hex[:8]}"
    try:
        await eventually(lambda: asyncio.sleep(0, server.started), timeout=10)
        await asyncio.to_thread(
            register_webhook,
            localstripe.api_base,
            f"http://127.0.0.1:{port}/webhooks/stripe",
            SECRET,
            hook,
            events,
        )
        yield p
    finally:
        await asyncio.to_thread(
            register_webhook, localstripe.api_base, "http://127.0.0.1:9/", "x", hook, ["none"]
        )
        server.should_exit = True
        await serving
        await p.client.aclose()
        await p.service.engine.dispose()


@pytest.fixture
async def payments(
    fresh_database: str, localstripe: LocalStripe, keypair: tuple[bytes, bytes]
) -> AsyncIterator[Payments]:
    p, _ = await open_payments(fresh_database, localstripe.api_base, keypair)
    yield p
    await p.client.aclose()
    await p.service.engine.dispose()
