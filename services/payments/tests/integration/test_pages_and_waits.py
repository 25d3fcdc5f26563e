"""Lists a page at a time (statement, ledger, subscriptions), and requests that arrive
before the event they need: waited for, then 404, never a retry-me answer."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kairos_contracts.events.booking import OfferingPublished
from kairos_contracts.examples import example
from kairos_localstack.stripe import LocalStripe

from .conftest import Payments, open_payments

pytestmark = pytest.mark.integration


async def _pages(
    p: Payments, path: str, who: uuid.UUID, limit: int, part: str = ""
) -> list[dict[str, Any]]:
    """Every page of a list: its items, in order, checking the page fields."""
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        resp = await p.client.get(path, params=params, headers=p.auth(who))
        assert resp.status_code == 200, resp.text
        page = resp.json()[part] if part else resp.json()
        assert len(page["items"]) <= limit
        assert page["has_more"] == (page["next_cursor"] is not None)
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


async def test_the_statement_pages_newest_first_without_repeats(payments: Payments) -> None:
    buyer = uuid.uuid4()
    bought = []
    for _ in range(5):
        resp = await payments.client.post(
            "/credits/purchases", json={"pack": "starter"}, headers=payments.auth(buyer)
        )
        assert resp.status_code == 201, resp.text
        bought.append(resp.json()["purchase_id"])
    lines = await _pages(payments, "/me/payments", buyer, limit=2)
    assert [x["payment_id"] for x in lines] == bought[::-1]  # newest first, each once
    keys = [(x["created_at"], x["payment_id"]) for x in lines]
    assert keys == sorted(keys, reverse=True)
    assert {x["kind"] for x in lines} == {"credit_pack"}


@pytest.mark.parametrize(
    "cursor", ["not-a-cursor!", base64.urlsafe_b64encode(b"[]").decode(),
               base64.urlsafe_b64encode(json.dumps(["x", "y"]).encode()).decode(),
               base64.urlsafe_b64encode(json.dumps([2**70]).encode()).decode()],
)  # fmt: skip
async def test_a_cursor_this_api_did_not_give_is_422(payments: Payments, cursor: str) -> None:
    who = payments.auth(uuid.uuid4())
    for path in ("/me/payments", "/me/subscriptions", "/credits"):
        resp = await payments.client.get(path, params={"cursor": cursor}, headers=who)
        assert resp.status_code == 422, (path, resp.text)
        assert resp.json()["type"].endswith("/bad-cursor"), (path, resp.text)


async def test_the_ledger_pages_newest_first_beside_the_balance(payments: Payments) -> None:
    user = uuid.uuid4()
    async with payments.service.uow_factory() as uow:
        for n in range(1, 6):
            await uow.credits.credit(user, n, "purchase", uuid.uuid4())
        await uow.commit()
    first = (await payments.client.get("/credits", headers=payments.auth(user))).json()
    assert first["balance"] == 15 and first["user_id"] == str(user)
    entries = await _pages(payments, "/credits", user, limit=2, part="ledger")
    assert [e["delta"] for e in entries] == [5, 4, 3, 2, 1]
    assert [e["balance_after"] for e in entries] == [15, 10, 6, 3, 1]


async def _offering(p: Payments, **kw: Any) -> OfferingPublished:
    o = example(OfferingPublished, **({"offering_id": uuid.uuid4(), "amount_minor": 4500} | kw))
    await p.deliver(o)
    return o


async def test_subscriptions_page_oldest_first_with_titles(payments: Payments) -> None:
    mentee = uuid.uuid4()
    made = []
    for title in ("One", "Two", "Three"):
        offering = await _offering(payments, title=title)
        resp = await payments.client.post(
            "/subscriptions",
            json={"offering_id": str(offering.offering_id), "payment_method_id": "pm_card_visa"},
            headers=payments.auth(mentee),
        )
        assert resp.status_code == 201, resp.text
        made.append(resp.json()["subscription_id"])
    listed = await _pages(payments, "/me/subscriptions", mentee, limit=2)
    assert [s["subscription_id"] for s in listed] == made
    assert [s["offering_title"] for s in listed] == ["One", "Two", "Three"]


@pytest.fixture
async def patient(
    fresh_database: str, localstripe: LocalStripe, keypair: tuple[bytes, bytes]
) -> AsyncIterator[Payments]:
    """Payments waiting as deployed: 5 s for a hold or an offering not known yet."""
    p, _ = await open_payments(
        fresh_database, localstripe.api_base, keypair, HOLD_WAIT_S=5.0, OFFERING_WAIT_S=5.0
    )
    yield p
    await p.client.aclose()
    await p.service.engine.dispose()


async def test_a_checkout_sent_before_its_hold_reached_payments_succeeds(
    patient: Payments,
) -> None:
    """The frontend pays right after booking answered the hold; HoldPlaced comes a moment
    later: the checkout waits for it instead of answering 'retry'."""
    mentee, hold_id = uuid.uuid4(), uuid.uuid4()
    paying = asyncio.create_task(
        patient.client.post(
            "/checkouts",
            json={"hold_id": str(hold_id), "payment_method_id": "pm_card_visa"},
            headers=patient.auth(mentee),
        )
    )
    await asyncio.sleep(0.5)
    assert not paying.done()
    await patient.place_hold(mentee, hold_id=hold_id)
    resp = await paying
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "verified"


async def test_a_subscription_sent_before_its_offering_reached_payments_succeeds(
    patient: Payments,
) -> None:
    offering = example(OfferingPublished, offering_id=uuid.uuid4(), amount_minor=4500)
    subscribing = asyncio.create_task(
        patient.client.post(
            "/subscriptions",
            json={"offering_id": str(offering.offering_id), "payment_method_id": "pm_card_visa"},
            headers=patient.auth(uuid.uuid4()),
        )
    )
    await asyncio.sleep(0.5)
    assert not subscribing.done()
    await patient.deliver(offering)
    resp = await subscribing
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "active"


async def test_a_hold_never_heard_of_is_404_after_the_wait(patient: Payments) -> None:
    started = time.monotonic()
    resp = await patient.client.post(
        "/checkouts", json={"hold_id": str(uuid.uuid4())}, headers=patient.auth(uuid.uuid4())
    )
    waited = time.monotonic() - started
    assert resp.status_code == 404 and "retry-after" not in resp.headers, resp.text
    assert resp.json()["type"].endswith("/hold-unknown")
    assert 5.0 <= waited < 7.0
