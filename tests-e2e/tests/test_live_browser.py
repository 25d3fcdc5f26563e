"""Live updates as a browser opens them, through the gateway: EventSource sends no
Authorization header, so the page asks for a stream token (with its bearer token, from an
allowed origin) and opens the stream with ``?token=`` only. An expired, forged or altered
token is a 401 problem; the token carries its user's roles and nothing more."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

import pytest

from kairos_booking.settings import DEV_LIVE_TOKEN_SECRET
from kairos_e2e.client import Gateway
from kairos_e2e.market import B, Market, checkout, mentee
from kairos_e2e.sse import data_of, follow
from kairos_localstack.keys import live_token_secret
from kairos_localstack.state import StackState
from kairos_platform.auth import Principal
from kairos_platform.live import StreamTokens

pytestmark = pytest.mark.e2e

FRONTEND = "http://localhost:5173"  # allowed by the local gateway's default CORS origins


async def stream_token(gw: Gateway, who: dict[str, str]) -> str:
    resp = await gw.http.post(f"{B}/live/tokens", headers={**who, "Origin": FRONTEND})
    assert resp.status_code == 201, resp.text
    assert resp.headers["access-control-allow-origin"] == FRONTEND
    body = resp.json()
    left = datetime.fromisoformat(body["expires_at"]) - datetime.now(UTC)
    assert 0 < left.total_seconds() <= 61, body
    return str(body["token"])


async def test_a_stream_opened_with_only_a_stream_token_delivers_events(
    gateway: Gateway,
) -> None:
    market = Market(gateway)
    await market.open()
    slot = (await market.slots())[0]
    _, who = mentee(gateway)
    token = await stream_token(gateway, who)
    browser = {"Origin": FRONTEND, "Accept": "text/event-stream"}  # no Authorization

    async with follow(gateway, f"/me/bookings/stream?token={token}", browser) as mine:
        assert mine.status == 200, mine.status
        assert mine.headers is not None
        assert mine.headers["access-control-allow-origin"] == FRONTEND
        hold = await market.hold(who, slot.starts_at)
        assert hold.status_code == 201, hold.text
        hold_id = hold.model.hold_id
        placed = await data_of(mine, "HoldPlaced")
        assert placed["data"]["hold_id"] == str(hold_id)
        paid = await checkout(
            gateway, who, hold_id, method="card", payment_method_id="pm_card_visa"
        )
        assert paid.status_code == 201, paid.text
        confirmed = await data_of(mine, "BookingConfirmed")
        assert confirmed["data"]["hold_id"] == str(hold_id)

    # The mentor's schedule the same way; a mentee's token does not open it.
    schedule = f"/providers/{market.provider_id}/schedule/stream"
    mentor_token = await stream_token(gateway, market.mentor)
    async with follow(gateway, f"{schedule}?token={mentor_token}", browser) as sched:
        assert sched.status == 200, sched.status
    theirs = await gateway.http.get(f"{B}{schedule}", params={"token": token}, headers=browser)
    assert theirs.status_code == 403, theirs.text


async def test_expired_forged_and_altered_stream_tokens_are_401_problems(
    gateway: Gateway, local_stack: StackState
) -> None:
    # What the stack's booking runs: the environment's LIVE_TOKEN_SECRET, else the one the
    # stack made in its data dir (never the public development default).
    secret = os.environ.get("LIVE_TOKEN_SECRET") or live_token_secret(local_stack.data_dir)
    user = Principal(uuid.uuid4(), frozenset({"mentee"}))
    expired, _ = StreamTokens(secret, clock=lambda: time.time() - 120).issue(user)
    forged, _ = StreamTokens("not-the-stack-secret-at-all").issue(user)
    public, _ = StreamTokens(DEV_LIVE_TOKEN_SECRET).issue(user)
    _, who = mentee(gateway)
    real = await stream_token(gateway, who)
    version, body, signature = real.split(".")
    altered = f"{version}.{body[:-1]}{'A' if body[-1] != 'A' else 'B'}.{signature}"
    browser = {"Origin": FRONTEND, "Accept": "text/event-stream"}
    bad_tokens = [(expired, "expired"), (forged, "signature"), (altered, "")]
    if secret != DEV_LIVE_TOKEN_SECRET:  # a token made with the public default is forged too
        bad_tokens.append((public, "signature"))
    for bad, why in bad_tokens:
        resp = await gateway.http.get(
            f"{B}/me/bookings/stream", params={"token": bad}, headers=browser
        )
        assert resp.status_code == 401, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        problem = resp.json()
        assert problem["status"] == 401
        assert problem["type"].endswith("/invalid-stream-token")
        assert why in problem["detail"]
        assert resp.headers["access-control-allow-origin"] == FRONTEND  # readable by the page
    # No token at all: 401 as before; a stream token is no bearer token for other routes.
    assert (await gateway.http.get(f"{B}/me/bookings/stream")).status_code == 401
    other = await gateway.http.get(f"{B}/me/bookings", headers={"Authorization": f"Bearer {real}"})
    assert other.status_code == 401
