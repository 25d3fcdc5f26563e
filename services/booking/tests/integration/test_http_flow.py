"""The HTTP surface against real PostgreSQL: catalog, slots, holds, validation."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .booking_helpers import (
    MENTOR,
    first_slot,
    hold,
    next_weekday,
    provider_with_offering,
)

pytestmark = pytest.mark.integration


async def test_slot_hold_release_and_hold_again(api: Any) -> None:
    _, offering_id = await provider_with_offering(api, capacity=1)
    day = next_weekday(2)
    starts_at = await first_slot(api, offering_id, day)
    mentee, other = uuid.uuid4(), uuid.uuid4()

    placed = await hold(api, mentee, offering_id, starts_at)
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert (body["amount_minor"], body["currency"]) == (5000, "EUR")
    assert (await hold(api, mentee, offering_id, starts_at)).status_code == 409  # no stacking
    assert (await hold(api, other, offering_id, starts_at)).status_code == 409  # full
    slots = await api.client.get(
        f"/offerings/{offering_id}/slots", params={"from": str(day), "to": str(day)}
    )
    # a full slot is still listed, with no free seat ("full" is not "not offered")
    assert {s["starts_at"]: s["free"] for s in slots.json()["slots"]}[starts_at] == 0
    assert placed.json()["offering_title"] and placed.json()["provider_time_zone"]
    again = await hold(api, mentee, offering_id, starts_at)
    assert again.json()["hold_id"] == body["hold_id"]  # a retried hold names the mentee's own

    released = await api.client.delete(
        f"/holds/{body['hold_id']}", headers=api.token(mentee, "mentee")
    )
    assert released.status_code == 204, released.text
    assert (await hold(api, other, offering_id, starts_at)).status_code == 201
    events = [r[0] for r in await api.rows("SELECT event_type FROM outbox ORDER BY id")]
    assert events == ["OfferingPublished", "HoldPlaced", "HoldReleased", "HoldPlaced"]


async def test_weekly_ranges_and_date_overrides_shape_slots_and_holds(api: Any) -> None:
    """The hours come with the offering in one read: each weekday's ranges in order, and
    only the overrides of the days asked for apply (the slot query and the hold check)."""
    hours = [
        {"weekday": d, "start": start, "end": end}
        for d in range(7)
        for start, end in (("15:00", "16:00"), ("09:00", "10:00"))
    ]
    provider_id, offering_id = await provider_with_offering(api, hours=hours)
    mentor = api.token(MENTOR, "mentor")
    closed = next_weekday(1)
    extra, replaced = closed + timedelta(days=2), closed + timedelta(days=3)
    overrides = {
        closed: {"kind": "closed"},
        extra: {"kind": "extra", "ranges": [{"start": "18:00", "end": "19:00"}]},
        replaced: {"kind": "replace", "ranges": [{"start": "11:00", "end": "12:00"}]},
    }
    for day, body in overrides.items():
        put = await api.client.put(
            f"/providers/{provider_id}/overrides/{day}", json=body, headers=mentor
        )
        assert put.status_code == 204, put.text
    got = await api.client.get(
        f"/offerings/{offering_id}/slots", params={"from": str(closed), "to": str(replaced)}
    )
    assert got.status_code == 200, got.text
    by_day: dict[str, list[str]] = {}
    for s in got.json()["slots"]:
        by_day.setdefault(s["local_start"][:10], []).append(s["local_start"][11:16])
    assert by_day == {
        str(closed + timedelta(days=1)): ["09:00", "15:00"],
        str(extra): ["09:00", "15:00", "18:00"],
        str(replaced): ["11:00"],
    }
    madrid = ZoneInfo("Europe/Madrid")
    on_closed = datetime.combine(closed, time(9), madrid).isoformat()
    refused = await hold(api, uuid.uuid4(), offering_id, on_closed)
    assert refused.status_code == 422 and "not a slot" in refused.text, refused.text
    on_extra = datetime.combine(extra, time(18), madrid).isoformat()
    assert (await hold(api, uuid.uuid4(), offering_id, on_extra)).status_code == 201


async def test_a_mentor_manages_only_their_own_provider(api: Any) -> None:
    _, offering_id = await provider_with_offering(api)
    stranger = api.token(uuid.uuid4(), "mentor")
    resp = await api.client.patch(
        f"/offerings/{offering_id}", json={"capacity": 9}, headers=stranger
    )
    assert resp.status_code == 403
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert (
        await api.client.patch(f"/offerings/{offering_id}", json={"capacity": 9})
    ).status_code == 401
    owner = api.token(MENTOR, "mentor")
    ok = await api.client.patch(f"/offerings/{offering_id}", json={"active": False}, headers=owner)
    assert ok.status_code == 200 and ok.json()["active"] is False
    gone = await api.client.get(
        f"/offerings/{offering_id}/slots", params={"from": "2030-01-01", "to": "2030-01-02"}
    )
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/providers", {"display_name": "X", "time_zone": "Mars/Olympus"}),
        ("/providers", {"display_name": "X", "time_zone": "UTC", "surprise": 1}),
        (
            "/providers/{p}/offerings",
            {"title": "T", "duration_min": 14, "price_minor": 1, "currency": "EUR"},
        ),
        (
            "/providers/{p}/offerings",
            {"title": "T", "duration_min": 181, "price_minor": 1, "currency": "EUR"},
        ),
        (
            "/providers/{p}/offerings",
            {"title": "T", "duration_min": 60, "price_minor": 1, "currency": "eur"},
        ),
        (
            "/providers/{p}/availability",
            {"weekly": [{"weekday": 1, "start": "9:00", "end": "10:00"}]},
        ),
        (
            "/providers/{p}/availability",
            {"weekly": [{"weekday": 7, "start": "09:00", "end": "10:00"}]},
        ),
        (
            "/providers/{p}/availability",
            {"weekly": [{"weekday": 1, "start": "10:00", "end": "09:00"}]},
        ),
        ("/providers/{p}/overrides/2030-02-30", {"kind": "closed"}),
        ("/providers/{p}/overrides/2030-1-03", {"kind": "closed"}),
        (
            "/providers/{p}/overrides/2030-01-03",
            {"kind": "closed", "ranges": [{"start": "09:00", "end": "10:00"}]},
        ),
        ("/holds", {"offering_id": "not-a-uuid", "starts_at": "2030-01-01T09:00:00Z"}),
        ("/holds", {"offering_id": "{o}", "starts_at": "2030-01-01T09:00:00"}),
        ("/holds", {"offering_id": "{o}", "starts_at": "2030-01-01T09:17:00Z"}),
    ],
)
async def test_bad_input_is_422_and_writes_nothing(
    api: Any, path: str, body: dict[str, Any]
) -> None:
    provider_id, offering_id = await provider_with_offering(api)
    before = await _snapshot(api)
    method = "PUT" if "availability" in path or "overrides" in path else "POST"
    headers = api.token(MENTOR, "mentor", "mentee")
    resp = await api.client.request(
        method,
        path.replace("{p}", provider_id),
        json={k: (offering_id if v == "{o}" else v) for k, v in body.items()},
        headers=headers,
    )
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert await _snapshot(api) == before


async def test_slot_query_validates_its_range(api: Any) -> None:
    _, offering_id = await provider_with_offering(api)
    url = f"/offerings/{offering_id}/slots"
    for params in (
        {"from": "2030-01-10", "to": "2030-01-01"},
        {"from": "2030-01-01", "to": "2030-04-01"},
        {"from": "01/01/2030", "to": "2030-01-02"},
        {"from": "2030-01-01"},
    ):
        resp = await api.client.get(url, params=params)
        assert resp.status_code == 422, (params, resp.text)
    assert (
        await api.client.get(
            f"/offerings/{uuid.uuid4()}/slots", params={"from": "2030-01-01", "to": "2030-01-01"}
        )
    ).status_code == 404
    assert (
        await api.client.get(
            "/offerings/nope/slots", params={"from": "2030-01-01", "to": "2030-01-01"}
        )
    ).status_code == 422


async def _snapshot(api: Any) -> list[int]:
    tables = [
        "providers",
        "offerings",
        "weekly_hours",
        "date_overrides",
        "holds",
        "slot_seats",
        "outbox",
        "people",
    ]
    return [await api.count(t) for t in tables]


async def test_a_dst_week_gives_the_right_local_slot_times(api: Any) -> None:
    # Madrid springs forward on 2027-03-28 (02:00 -> 03:00); hours 09:00-10:00 every day.
    hours = [{"weekday": d, "start": "09:00", "end": "10:00"} for d in range(7)]
    _, offering_id = await provider_with_offering(api, hours=hours, horizon_days=365)
    got = await api.client.get(
        f"/offerings/{offering_id}/slots", params={"from": "2027-03-25", "to": "2027-03-31"}
    )
    assert got.status_code == 200, got.text
    slots = got.json()["slots"]
    assert [s["local_start"][11:] for s in slots] == ["09:00:00+01:00"] * 3 + ["09:00:00+02:00"] * 4
    assert [s["starts_at"][11:16] for s in slots] == ["08:00"] * 3 + ["07:00"] * 4


async def test_slot_query_counts_holds_past_expiry_as_free_seats(api: Any) -> None:
    _, offering_id = await provider_with_offering(api, capacity=3)
    day = next_weekday(3)
    starts_at = await first_slot(api, offering_id, day)
    placed = [await hold(api, uuid.uuid4(), offering_id, starts_at) for _ in range(3)]
    assert all(p.status_code == 201 for p in placed)

    async def free() -> int | None:
        got = await api.client.get(
            f"/offerings/{offering_id}/slots", params={"from": str(day), "to": str(day)}
        )
        found = {s["starts_at"]: s["free"] for s in got.json()["slots"]}
        return found.get(starts_at)

    assert await free() == 0  # full, and listed
    overdue = placed[0].json()["hold_id"]
    await api.rows(
        "UPDATE holds SET expires_at = now() - interval '1 second' WHERE hold_id = :h RETURNING 1",
        h=uuid.UUID(overdue),
    )
    assert await free() == 1  # not swept yet, but the slot query counts it as free
    await api.rows("UPDATE holds SET expires_at = now() - interval '1 second' RETURNING 1")
    assert await free() == 3


async def test_my_holds_are_listed_a_page_at_a_time_soonest_first(api: Any) -> None:
    _, offering_id = await provider_with_offering(api, capacity=2)
    day = next_weekday(1)
    got = await api.client.get(
        f"/offerings/{offering_id}/slots", params={"from": str(day), "to": str(day)}
    )
    starts = [s["starts_at"] for s in got.json()["slots"][:3]]
    mentee, other = uuid.uuid4(), uuid.uuid4()
    made = [(await hold(api, mentee, offering_id, at)).json()["hold_id"] for at in reversed(starts)]
    await hold(api, other, offering_id, starts[0])  # someone else's: not listed
    me = api.token(mentee, "mentee")
    first = (await api.client.get("/me/holds", params={"limit": 2}, headers=me)).json()
    assert [h["starts_at"] for h in first["items"]] == starts[:2] and first["has_more"]
    rest = await api.client.get(
        "/me/holds", params={"limit": 2, "cursor": first["next_cursor"]}, headers=me
    )
    assert [h["starts_at"] for h in rest.json()["items"]] == starts[2:]
    assert rest.json() == {**rest.json(), "has_more": False, "next_cursor": None}
    assert {h["hold_id"] for h in first["items"] + rest.json()["items"]} == set(made)
    assert first["items"][0]["offering_title"] and first["items"][0]["local_start"]
    foreign = await api.client.get("/me/holds", params={"cursor": "AAAA"}, headers=me)
    assert foreign.status_code == 422, foreign.text
