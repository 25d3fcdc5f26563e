"""Reads by id over HTTP against real PostgreSQL: one booking (its mentee, the mentor of
its provider, an admin; 403, 404, 422 otherwise) and the mentor's own provider."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .booking_helpers import (
    ADMIN,
    MENTOR,
    booked,
    first_slot,
    next_weekday,
    provider_with_offering,
)

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"


async def test_a_booking_is_read_by_its_mentee_mentor_or_an_admin(api: Any) -> None:
    provider_id, offering_id = await provider_with_offering(api, capacity=1)
    starts_at = await first_slot(api, offering_id, next_weekday(3))
    mentee = uuid.uuid4()
    payment_id = uuid.uuid4()
    hold_id = await booked(api, mentee, offering_id, starts_at, payment_id=payment_id)
    me = api.token(mentee, "mentee")
    [listed] = (await api.client.get("/me/bookings", headers=me)).json()["items"]
    url = f"/bookings/{listed['booking_id']}"

    for who in (me, api.token(MENTOR, "mentor"), api.token(ADMIN, "admin")):
        got = await api.client.get(url, headers=who)
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["booking_id"] == listed["booking_id"]
        assert (body["offering_id"], body["provider_id"]) == (offering_id, provider_id)
        assert (body["starts_at"], body["status"]) == (starts_at, "confirmed")
        assert (body["hold_id"], body["payment_id"]) == (hold_id, str(payment_id))
        assert (body["amount_minor"], body["currency"], body["payment_method"]) == (
            5000, "EUR", "card",
        )  # fmt: skip
        # the name and e-mail the mentee's token carried when they held the seat
        assert body["booked_by"] == {
            "user_id": str(mentee), "display_name": "Mo", "email": f"{mentee.hex[:6]}@example.com",
        }  # fmt: skip

    for stranger in (api.token(uuid.uuid4(), "mentee"), api.token(uuid.uuid4(), "mentor")):
        refused = await api.client.get(url, headers=stranger)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith(PROBLEM)
        assert refused.json()["type"].endswith("/not-owner")
    unknown = await api.client.get(f"/bookings/{uuid.uuid4()}", headers=me)
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("/unknown-booking")
    malformed = await api.client.get("/bookings/not-a-uuid", headers=me)
    assert malformed.status_code == 422 and malformed.headers["content-type"].startswith(PROBLEM)
    assert (await api.client.get(url)).status_code == 401

    # cancelled, it is still read, with what the cancellation refunds
    cancelled = await api.client.post(f"{url}/cancel", json={}, headers=me)
    assert cancelled.status_code == 200, cancelled.text
    after = (await api.client.get(url, headers=api.token(ADMIN, "admin"))).json()
    assert (after["status"], after["refund_amount_minor"], after["sequence"]) == (
        "cancelled", 5000, 1,
    )  # fmt: skip


async def test_a_mentor_reads_their_own_provider_or_a_404(api: Any) -> None:
    stranger = api.token(uuid.uuid4(), "mentor")
    none_yet = await api.client.get("/me/provider", headers=stranger)
    assert none_yet.status_code == 404, none_yet.text
    assert none_yet.headers["content-type"].startswith(PROBLEM)
    assert none_yet.json()["type"].endswith("/no-provider")
    provider_id, _ = await provider_with_offering(api)
    got = await api.client.get("/me/provider", headers=api.token(MENTOR, "mentor"))
    assert got.status_code == 200, got.text
    assert (got.json()["provider_id"], got.json()["user_id"]) == (provider_id, str(MENTOR))
    assert (await api.client.get("/me/provider", headers=stranger)).status_code == 404
    mentee = await api.client.get("/me/provider", headers=api.token(uuid.uuid4(), "mentee"))
    assert mentee.status_code == 403
    assert (await api.client.get("/me/provider")).status_code == 401
