"""The database refuses a booking row unless its transaction declared that payment as the
one being verified (trigger from migration 0002), and it must reference a decision."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from .booking_helpers import provider_with_offering

pytestmark = pytest.mark.integration

INSERT = """
INSERT INTO bookings (booking_id, offering_id, provider_id, mentee_id, starts_at, ends_at,
  payment_id, payment_method, amount_minor, currency, status)
VALUES (:b, :o, :p, :m, :s, :e, :pay, 'card', 5000, 'EUR', 'confirmed')
"""


async def _try_insert(api: Any, offering_id: str, provider_id: str, declare: str | None) -> None:
    payment = uuid.uuid4()
    at = datetime.now(UTC) + timedelta(days=3)
    async with api.service.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO payment_decisions (payment_id, outcome) VALUES (:p, 'booked')"),
            {"p": payment},
        )
        if declare is not None:
            value = str(payment) if declare == "same" else str(uuid.uuid4())
            await conn.execute(
                text("SELECT set_config('kairos.verifying_payment', :v, true)"), {"v": value}
            )
        await conn.execute(
            text(INSERT),
            {
                "b": uuid.uuid4(), "o": offering_id, "p": provider_id, "m": uuid.uuid4(),
                "s": at, "e": at + timedelta(hours=1), "pay": payment,
            },
        )  # fmt: skip


@pytest.mark.parametrize("declare", [None, "other"])
async def test_an_insert_outside_payment_verification_is_refused(
    api: Any, declare: str | None
) -> None:
    provider_id, offering_id = await provider_with_offering(api)
    with pytest.raises(DBAPIError, match="being verified"):
        await _try_insert(api, offering_id, provider_id, declare)
    assert await api.count("bookings") == 0


async def test_the_guard_admits_the_declared_payment(api: Any) -> None:
    provider_id, offering_id = await provider_with_offering(api)
    await _try_insert(api, offering_id, provider_id, "same")
    assert await api.count("bookings") == 1
