"""Auth through the gateway: who may call what (a JWT with the caller's roles; people see and
change only their own data, an admin anyone's).

Requests without a token, with an expired, forged or tampered token, a token for another
issuer or audience, and requests for another user's data are refused with the right status
as problem+json, and change nothing (state is read back afterwards). And no route of any
service is reachable without a token unless it is on the explicit public list below.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from kairos_e2e.client import Answer, Gateway, eventually
from kairos_e2e.market import B, Market, P, checkout, mentee, my_bookings
from kairos_platform.tokens_cli import key_id, load_private_key, mint_token

pytestmark = pytest.mark.e2e

#: Routes answered without a token: health/metrics (not in the OpenAPI), the Stripe webhook
#: (signature-checked), the ICS feed and the mails' one-click unsubscribe links (a secret or
#: signed token in the path), public catalog and slot
#: queries. Anything else found unauthenticated fails the test.
PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/api/booking/providers"),
        ("GET", "/api/booking/providers/{provider_id}"),
        ("GET", "/api/booking/providers/{provider_id}/availability"),
        ("GET", "/api/booking/offerings"),
        ("GET", "/api/booking/offerings/{offering_id}"),
        ("GET", "/api/booking/offerings/{offering_id}/slots"),
        ("POST", "/api/payments/webhooks/stripe"),
        ("GET", "/api/calendar/feeds/{token}.ics"),
        ("GET", "/api/calendar/unsubscribe/{token}"),
        ("POST", "/api/calendar/unsubscribe/{token}"),
    }
)
HEALTH = ("/health/live", "/health/ready", "/metrics")
PREFIXES = ("/api/booking", "/api/payments", "/api/attendance", "/api/calendar")


def _private_key(local_stack: Any) -> bytes:
    return Path(local_stack.endpoints["jwt_private_key_file"]).read_bytes()


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "roles": ["mentor", "mentee", "admin"],
        "iss": "kairos-local",
        "aud": "kairos",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(over)
    return claims


def bad_tokens(gw: Gateway, local_stack: Any) -> dict[str, str]:
    """Every kind of token that must get a 401, all claiming every role."""
    real = _private_key(local_stack)
    real_kid = key_id(load_private_key(real).public_key())
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_ed = ed25519.Ed25519PrivateKey.generate()
    good = mint_token(
        real, sub=uuid.uuid4(), roles=["mentee"], issuer="kairos-local", audience="kairos"
    )
    head, body, sig = good.split(".")
    promoted = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    promoted["roles"] = ["admin", "mentor", "mentee"]
    tampered_body = base64.urlsafe_b64encode(json.dumps(promoted).encode()).rstrip(b"=").decode()
    unsigned = (  # alg "none", no signature
        base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
        + "."
        + base64.urlsafe_b64encode(json.dumps(_claims()).encode()).rstrip(b"=").decode()
        + "."
    )
    everyone = ["admin", "mentor", "mentee"]
    return {
        "expired": mint_token(
            real,
            sub=uuid.uuid4(),
            roles=everyone,
            issuer="kairos-local",
            audience="kairos",
            now=time.time() - 3600,
            ttl_s=600,
        ),
        # Signed by another key that claims to be ours (same kid).
        "forged-rsa": jwt.encode(
            _claims(), other_rsa, algorithm="RS256", headers={"kid": real_kid}
        ),
        "forged-eddsa": jwt.encode(
            _claims(), other_ed, algorithm="EdDSA", headers={"kid": real_kid}
        ),
        "tampered": f"{head}.{tampered_body}.{sig}",
        "unsigned": unsigned,
        "hs256-with-public-key-as-secret": jwt.encode(
            _claims(), "not-a-secret-anyone-knows-" * 2, algorithm="HS256"
        ),
        "wrong-issuer": mint_token(
            real, sub=uuid.uuid4(), roles=everyone, issuer="someone-else", audience="kairos"
        ),
        "wrong-audience": mint_token(
            real, sub=uuid.uuid4(), roles=everyone, issuer="kairos-local", audience="another-app"
        ),
        "garbage": "not.a.jwt",
    }


def assert_problem(resp: httpx.Response | Answer[Any], status: int) -> dict[str, Any]:
    sent = (resp.request.method, resp.request.url) if isinstance(resp, httpx.Response) else ()
    assert resp.status_code == status, (*sent, resp.text)
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers
    body = resp.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    return dict(body)


# --- tokens ----------------------------------------------------------------------------


async def test_requests_without_a_valid_token_are_refused_and_write_nothing(
    gateway: Gateway, local_stack: Any
) -> None:
    http = gateway.http
    email = f"intruder-{uuid.uuid4().hex[:10]}@example.org"
    provider = {"display_name": "Intruder", "email": email, "time_zone": "Europe/Madrid"}
    no_token = await http.post(f"{B}/providers", json=provider)
    assert_problem(no_token, 401)
    assert no_token.headers["WWW-Authenticate"].startswith("Bearer")
    for kind, token in bad_tokens(gateway, local_stack).items():
        auth = {"Authorization": f"Bearer {token}"}
        resp = await http.post(f"{B}/providers", json=provider, headers=auth)
        body = assert_problem(resp, 401)
        assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"], (kind, body)
        for prefix in PREFIXES:  # every service verifies the same way
            assert_problem(await http.post(f"{prefix}/system/pings", headers=auth), 401)
        assert_problem(await http.get(f"{B}/me/bookings", headers=auth), 401)
        assert_problem(await http.get(f"{P}/credits", headers=auth), 401)
    # Not a "Bearer" scheme at all.
    basic = {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()}
    assert_problem(await http.post(f"{B}/providers", json=provider, headers=basic), 401)
    # Nothing was written: no provider with that email exists.
    listed, params = [], {"limit": 200}
    while True:  # every page of the catalog
        page = (await http.get(f"{B}/providers", params=params)).json()
        listed += page["items"]
        if not page["has_more"]:
            break
        params["cursor"] = page["next_cursor"]
    assert all(p.get("email") != email for p in listed), "a refused request created a provider"


# --- other people's data ------------------------------------------------------------------


async def test_another_users_data_is_refused_and_left_unchanged(
    gateway: Gateway, local_stack: Any
) -> None:
    http = gateway.http
    market = Market(gateway, capacity=3)
    await market.open()
    slots = await market.slots()
    a_id, a = mentee(gateway)
    _, b = mentee(gateway)
    booked = await market.book(a, slots[0].starts_at)
    booking_id = booked.booking_id
    hold = await market.hold(a, slots[1].starts_at)
    assert hold.status_code == 201, hold.text
    hold_id = hold.model.hold_id
    other_mentor = Market(gateway)
    await other_mentor.open()
    offering_before = (await http.get(f"{B}/offerings/{market.offering_id}")).json()
    hours_before = (await http.get(f"{B}/providers/{market.provider_id}/availability")).json()

    # Mentee B on mentee A's booking and hold.
    assert_problem(await http.post(f"{B}/bookings/{booking_id}/cancel", json={}, headers=b), 403)
    assert_problem(
        await http.post(
            f"{B}/bookings/{booking_id}/reschedule",
            json={"starts_at": slots[2].starts_at.isoformat()},
            headers=b,
        ),
        403,
    )
    assert_problem(await http.get(f"{B}/holds/{hold_id}", headers=b), 403)
    assert_problem(await http.delete(f"{B}/holds/{hold_id}", headers=b), 403)
    assert all(x.booking_id != booking_id for x in await my_bookings(gateway, b))
    # B cannot pay for (and so turn into a booking) A's hold.
    paid = await checkout(gateway, b, hold_id, method="card", payment_method_id="pm_card_visa")
    assert_problem(paid, 403)
    # A mentor on A's booking who is not its mentor; and a mentee on a mentor's routes.
    day_of_first = slots[0].starts_at.astimezone(UTC).date().isoformat()
    assert_problem(
        await http.post(f"{B}/bookings/{booking_id}/cancel", json={}, headers=other_mentor.mentor),
        403,
    )
    assert_problem(
        await http.get(
            f"{B}/providers/{market.provider_id}/schedule",
            params={"from": day_of_first, "to": day_of_first},
            headers=other_mentor.mentor,
        ),
        403,
    )
    assert_problem(
        await http.post(
            f"{B}/providers/{market.provider_id}/offerings",
            json={"title": "x", "duration_min": 30, "price_minor": 100, "currency": "EUR"},
            headers=b,
        ),
        403,
    )
    # Mentor B editing mentor A's offering, provider, hours.
    patch = {"title": "Hijacked", "price_minor": 1}
    assert_problem(
        await http.patch(
            f"{B}/offerings/{market.offering_id}", json=patch, headers=other_mentor.mentor
        ),
        403,
    )
    assert_problem(
        await http.patch(
            f"{B}/providers/{market.provider_id}",
            json={"display_name": "Hijacked"},
            headers=other_mentor.mentor,
        ),
        403,
    )
    assert_problem(
        await http.put(
            f"{B}/providers/{market.provider_id}/availability",
            json={"weekly": []},
            headers=other_mentor.mentor,
        ),
        403,
    )
    # A's own token, expired: refused too.
    expired = mint_token(
        _private_key(local_stack),
        sub=a_id,
        roles=["mentee"],
        issuer="kairos-local",
        audience="kairos",
        now=time.time() - 3600,
        ttl_s=600,
    )
    assert_problem(
        await http.post(
            f"{B}/bookings/{booking_id}/cancel",
            json={},
            headers={"Authorization": f"Bearer {expired}"},
        ),
        401,
    )
    # Unknown ids are 404, whoever asks.
    assert_problem(await http.post(f"{B}/bookings/{uuid.uuid4()}/cancel", json={}, headers=b), 404)

    # Nothing changed: A's booking is still confirmed (same sequence), the hold still A's and
    # held, the offering, provider and hours as they were.
    mine = {x.booking_id: x for x in await my_bookings(gateway, a)}
    assert mine[booking_id].status == "confirmed"
    assert mine[booking_id] == booked
    still = await http.get(f"{B}/holds/{hold_id}", headers=a)
    assert still.status_code == 200 and still.json()["status"] == "held", still.text
    assert (await http.get(f"{B}/offerings/{market.offering_id}")).json() == offering_before
    assert (
        await http.get(f"{B}/providers/{market.provider_id}/availability")
    ).json() == hours_before

    # Attendance: B cannot join (or look into) A's session once attendance knows it.
    async def known() -> httpx.Response | None:
        resp = await http.post(f"/api/attendance/sessions/{booking_id}/join", headers=b)
        return None if resp.status_code == 404 else resp

    assert_problem(await eventually(known, timeout=30, what="attendance's session"), 403)


# --- every route needs a token unless it is on the public list ----------------------------


def _fill(path: str) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "day":
            return "2030-01-07"
        if name == "token":
            return "x" * 32
        return str(uuid.uuid4())

    return re.sub(r"\{([^}]+)\}", value, path)


async def test_every_route_outside_the_public_list_needs_a_token(gateway: Gateway) -> None:
    doc = (await gateway.http.get("/api/docs/openapi.json")).json()
    routes = [
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    ]
    assert len(routes) > 30, routes  # the merge really has every service
    known = set(routes)
    assert PUBLIC_ROUTES <= known, f"stale public list: {sorted(PUBLIC_ROUTES - known)}"
    open_routes = []
    for method, path in routes:
        declared = bool(doc["paths"][path][method.lower()].get("security"))
        body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
        resp = await gateway.http.request(method, _fill(path), json=body)
        if (method, path) in PUBLIC_ROUTES:
            assert resp.status_code != 401, (method, path, resp.text)
            assert not declared, f"{method} {path} is public but documents a security scheme"
            continue
        if resp.status_code != 401:
            open_routes.append((method, path, resp.status_code))
            continue
        assert_problem(resp, 401)
        assert declared, f"{method} {path} needs a token but its OpenAPI does not say so"
    assert not open_routes, f"reachable without a token and not on the public list: {open_routes}"
    for prefix in PREFIXES:
        for path in HEALTH:
            resp = await gateway.http.get(f"{prefix}{path}")
            assert resp.status_code == 200, (prefix, path, resp.text)
