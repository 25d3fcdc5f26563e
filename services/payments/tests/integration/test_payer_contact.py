"""One-time payments and credit purchases keep the payer's contact from their own token
(its ``email`` and ``name`` claims), and the money events they cause carry it as ``payer``
(``mentee`` on PaymentVerified), for receipts; an admin paying for a mentee leaves none.
And migration 0010, which adds the columns, from an empty database and from one at 0009."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text

import kairos_platform.migrations
from kairos_contracts.events.booking import BookingCancelled, BookingConfirmed
from kairos_contracts.examples import example
from kairos_payments.bootstrap import bootstrap

from .conftest import Payments, settings_for

pytestmark = pytest.mark.integration

ANA = {"email": "ana@example.org", "name": "Ana"}


def _person(user: uuid.UUID) -> dict[str, str]:
    return {"user_id": str(user), "email": "ana@example.org", "display_name": "Ana"}


async def _contact(p: Payments, table: str, key: str, value: uuid.UUID) -> tuple[Any, Any]:
    async with p.service.engine.connect() as conn:
        row = (
            await conn.execute(
                text(f"SELECT payer_email, payer_name FROM {table} WHERE {key} = :v"), {"v": value}
            )
        ).one()
    return row.payer_email, row.payer_name


async def _confirm_and_cancel(p: Payments, pid: uuid.UUID, method: str) -> None:
    booking = uuid.uuid4()
    await p.deliver(
        example(BookingConfirmed, payment_id=pid, booking_id=booking, payment_method=method)
    )
    await p.deliver(
        example(
            BookingCancelled, payment_id=pid, booking_id=booking, refund_amount_minor=1000,
            payment_method=method, subscription_id=None,
        )
    )  # fmt: skip


async def test_a_card_checkout_keeps_the_payers_contact_and_its_events_carry_it(
    payments: Payments,
) -> None:
    mentee = uuid.uuid4()
    hold = await payments.place_hold(mentee)
    resp = await payments.client.post(
        "/checkouts",
        json={"hold_id": str(hold.hold_id), "payment_method_id": "pm_card_visa"},
        headers=payments.auth(mentee, **ANA),
    )
    assert resp.status_code == 201, resp.text
    pid = uuid.UUID(resp.json()["payment_id"])
    assert await _contact(payments, "payments", "payment_id", pid) == (
        "ana@example.org",
        "Ana",
    )
    await _confirm_and_cancel(payments, pid, "card")
    (verified,) = await payments.outbox("PaymentVerified")
    (captured,) = await payments.outbox("PaymentCaptured")
    (refunded,) = await payments.outbox("PaymentRefunded")
    assert verified["mentee"] == captured["payer"] == refunded["payer"] == _person(mentee)


async def test_a_credit_checkout_keeps_the_payers_contact_and_its_events_carry_it(
    payments: Payments,
) -> None:
    mentee = uuid.uuid4()
    async with payments.service.uow_factory() as uow:
        await uow.credits.credit(mentee, 2, "purchase", uuid.uuid4())
        await uow.commit()
    hold = await payments.place_hold(mentee, price_in_credits=2)
    resp = await payments.client.post(
        "/checkouts",
        json={"hold_id": str(hold.hold_id), "method": "credits"},
        headers=payments.auth(mentee, **ANA),
    )
    assert resp.status_code == 201, resp.text
    pid = uuid.UUID(resp.json()["payment_id"])
    await _confirm_and_cancel(payments, pid, "credits")
    (verified,) = await payments.outbox("PaymentVerified")
    (captured,) = await payments.outbox("PaymentCaptured")
    (refunded,) = await payments.outbox("PaymentRefunded")
    assert verified["mentee"] == captured["payer"] == refunded["payer"] == _person(mentee)


async def test_an_admin_checkout_for_a_mentee_keeps_not_the_admins_contact(
    payments: Payments,
) -> None:
    mentee, admin = uuid.uuid4(), uuid.uuid4()
    hold = await payments.place_hold(mentee)
    resp = await payments.client.post(
        "/checkouts",
        json={"hold_id": str(hold.hold_id), "payment_method_id": "pm_card_visa"},
        headers=payments.auth(admin, "admin", email="boss@example.org", name="Boss"),
    )
    assert resp.status_code == 201, resp.text
    pid = uuid.UUID(resp.json()["payment_id"])
    assert await _contact(payments, "payments", "payment_id", pid) == (None, None)
    await payments.deliver(example(BookingConfirmed, payment_id=pid, payment_method="card"))
    (verified,) = await payments.outbox("PaymentVerified")
    (captured,) = await payments.outbox("PaymentCaptured")
    assert "mentee" not in verified and "payer" not in captured
    assert "boss@example.org" not in str([verified, captured])


async def test_a_credit_purchase_keeps_the_buyers_contact_and_credits_purchased_carries_it(
    payments: Payments,
) -> None:
    buyer = uuid.uuid4()
    resp = await payments.client.post(
        "/credits/purchases",
        json={"pack": "starter", "payment_method_id": "pm_card_visa"},
        headers=payments.auth(buyer, **ANA),
    )
    assert resp.status_code == 201 and resp.json()["status"] == "credited", resp.text
    purchase = uuid.UUID(resp.json()["purchase_id"])
    assert await _contact(payments, "credit_purchases", "purchase_id", purchase) == (
        "ana@example.org",
        "Ana",
    )
    (bought,) = await payments.outbox("CreditsPurchased")
    assert bought["payer"] == _person(buyer) and bought["description"] == "5 credits"


# --- 0010: payer_email, payer_name on payments and credit_purchases -----------------------

COLUMNS = """
SELECT table_name, column_name FROM information_schema.columns
 WHERE column_name IN ('payer_email', 'payer_name')
   AND table_name IN ('payments', 'credit_purchases')
 ORDER BY table_name, column_name
"""
EXPECTED = [
    ("credit_purchases", "payer_email"),
    ("credit_purchases", "payer_name"),
    ("payments", "payer_email"),
    ("payments", "payer_name"),
]


async def _columns(service: Any) -> list[tuple[str, str]]:
    async with service.engine.connect() as conn:
        return [(r.table_name, r.column_name) for r in await conn.execute(text(COLUMNS))]


async def test_0010_from_an_empty_database_and_from_one_migrated_before_it(
    make_database: Any, localstripe: Any
) -> None:
    """0002 creates payments and credit_purchases from the live table definitions, so on an
    empty database the columns are there before 0010 runs; on a database that was at 0009
    before they existed they are not. Both reach head with them, rows kept."""
    fresh = bootstrap(settings_for(make_database("m"), localstripe.api_base))
    url = fresh.settings.sqlalchemy_url
    for revision in ("0001", "0002", "0009", "head"):  # every step from nothing, then head
        await asyncio.to_thread(kairos_platform.migrations.upgrade, fresh.migrations, url, revision)
    assert await _columns(fresh) == EXPECTED

    old = bootstrap(settings_for(make_database("m"), localstripe.api_base))
    url = old.settings.sqlalchemy_url
    await asyncio.to_thread(kairos_platform.migrations.upgrade, old.migrations, url)
    await asyncio.to_thread(kairos_platform.migrations.downgrade, old.migrations, url, "0009")
    assert await _columns(old) == []  # as a database migrated to 0009 before 0010 existed
    purchase = uuid.uuid4()
    async with old.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO credit_purchases (purchase_id, user_id, pack, credits,"
                " amount_minor, currency, status) VALUES (:p, :u, 'starter', 5, 5000, 'EUR',"
                " 'open')"
            ),
            {"p": purchase, "u": uuid.uuid4()},
        )
    await asyncio.to_thread(kairos_platform.migrations.upgrade, old.migrations, url)
    assert await _columns(old) == EXPECTED
    async with old.uow_factory() as uow:
        kept = await uow.credits.purchase(purchase)
    assert kept is not None and (kept.payer_email, kept.payer_name) == (None, None)
    for service in (fresh, old):
        await service.engine.dispose()
