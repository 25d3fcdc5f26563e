"""`kairos-stack demo` (`make demo`): a paid booking walked through the public API of a
running local stack, then printed as the curl commands that do the same.

With the stack up (`make up`), it seeds, through the gateway and with tokens minted by the
stack's key, a mentor (a provider in Europe/Madrid open 08:00-20:00 every day) with a
one-time offering and a programme (a recurring offering, three sessions a week), and a
mentee who buys a pack of credits with a test card. Then the mentee books a session the
way a frontend does: a hold on the first free slot two days ahead, a card checkout with
Stripe's test card ``pm_card_visa`` (payments waits for the hold's event if it has not
heard of it yet), and ``GET /me/bookings`` polled until the booking is confirmed.

Everything it did is printed as a shell walkthrough (the real gateway URL, the real tokens
as variables, the real ids) that can be pasted into a terminal to do it again by hand.
"""

from __future__ import annotations

import json
import shlex
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kairos_localstack.state import StackState

__all__ = ["DemoError", "DemoResult", "run_demo"]

ZONE = "Europe/Madrid"
TEST_CARD = "pm_card_visa"
B, P = "/api/booking", "/api/payments"


class DemoError(Exception):
    """The stack answered something the walkthrough did not expect (the message says what)."""


@dataclass
class DemoResult:
    gateway_url: str
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID
    provider_id: str = ""
    offering_id: str = ""
    programme_id: str = ""
    credits: int = 0
    hold_id: str = ""
    booking: dict[str, Any] = field(default_factory=dict)
    #: the shell walkthrough (what is printed)
    script: list[str] = field(default_factory=list)


def _items(body: Any) -> list[dict[str, Any]]:
    """A list answer, or the items of a page (``{"items": [...]}``)."""
    if isinstance(body, dict):
        body = body.get("items", [])
    return list(body)


class _Walk:
    """Sends each request through the gateway and writes the matching curl command."""

    def __init__(
        self, gateway_url: str, tokens: Mapping[str, str], say: Callable[[str], None]
    ) -> None:
        self.http = httpx.Client(base_url=gateway_url, timeout=15.0)
        self.tokens = dict(tokens)
        self.say = say
        self.script: list[str] = []

    def line(self, text: str = "") -> None:
        self.script.append(text)
        self.say(text)

    def comment(self, text: str) -> None:
        self.line()
        self.line(f"# {text}")

    def curl(
        self,
        method: str,
        path: str,
        who: str | None,
        body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        url = path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
        verb = "" if method == "GET" else f" -X {method}"
        parts = [f'curl -sS{verb} "$GATEWAY{url}"']
        if who:
            parts.append(f'-H "Authorization: Bearer ${who.upper()}"')
        if body is not None:
            parts.append("-H 'Content-Type: application/json'")
            parts.append("-d " + shlex.quote(json.dumps(body)))
        self.line(" \\\n     ".join(parts))

    def call(
        self,
        method: str,
        path: str,
        who: str | None,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        *,
        expect: int,
        show: bool = True,
    ) -> httpx.Response:
        if show:
            self.curl(method, path, who, body, params)
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        resp = self.http.request(method, path, json=body, params=params, headers=headers)
        if resp.status_code != expect:
            raise DemoError(
                f"{method} {path} answered {resp.status_code} (expected {expect}): {resp.text}"
            )
        return resp

    def until(
        self, what: str, probe: Callable[[], Any], timeout: float, interval: float = 0.25
    ) -> Any:
        """Poll ``probe`` until it returns something truthy, or fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            found = probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise DemoError(f"{what}: not seen after {timeout:.0f}s")
            time.sleep(interval)


def _weekly_pattern() -> list[dict[str, Any]]:
    """Three weekly sessions, none on today's weekday in Madrid."""
    today = datetime.now(ZoneInfo(ZONE)).weekday()
    return [
        {"weekday": (today + 1) % 7, "time": "09:30"},
        {"weekday": (today + 3) % 7, "time": "12:00"},
        {"weekday": (today + 5) % 7, "time": "18:45"},
    ]


def _mint(state: StackState, user: uuid.UUID, role: str, email: str, name: str) -> str:
    from kairos_platform.tokens_cli import mint_token

    key = Path(state.endpoints.get("jwt_private_key_file") or "")
    if not key.is_file():
        key = Path(state.data_dir) / "jwt_private.pem"
    return mint_token(
        key.read_bytes(),
        sub=user,
        roles=[role],
        issuer=state.endpoints.get("jwt_issuer", "kairos-local"),
        audience=state.endpoints.get("jwt_audience", "kairos"),
        ttl_s=24 * 3600,
        extra_claims={"email": email, "name": name},
    )


def run_demo(
    state: StackState, say: Callable[[str], None] = print, timeout: float = 60.0
) -> DemoResult:
    """Seed and book through ``state``'s gateway; print the walkthrough with ``say``."""
    if not state.gateway_url:
        raise DemoError("the stack has no gateway URL (is it up? `make up`)")
    gateway_url = state.gateway_url.rstrip("/")
    tag = uuid.uuid4().hex[:6]
    mentor_id, mentee_id = uuid.uuid4(), uuid.uuid4()
    mentor_email, mentee_email = f"ada-{tag}@example.org", f"grace-{tag}@example.org"
    tokens = {
        "mentor": _mint(state, mentor_id, "mentor", mentor_email, "Ada Mentor"),
        "mentee": _mint(state, mentee_id, "mentee", mentee_email, "Grace Mentee"),
    }
    result = DemoResult(gateway_url, mentor_id, mentee_id)
    walk = _Walk(gateway_url, tokens, say)
    try:
        _walkthrough(walk, result, mentor_email, timeout)
    finally:
        walk.http.close()
        result.script = walk.script
    return result


def _walkthrough(walk: _Walk, result: DemoResult, mentor_email: str, timeout: float) -> None:
    line, comment = walk.line, walk.comment
    line("#!/usr/bin/env bash")
    line("# Kairos: a paid booking through the public API, as `make demo` just did it.")
    line(f"# Every route is described at {result.gateway_url}/api/docs/")
    line(f"GATEWAY={result.gateway_url}")
    line("# Tokens signed with the stack's key, valid 24 h (kairos-token mint --sub UUID")
    line("# --role mentor|mentee --email E --name N makes more).")
    line(f"MENTOR={walk.tokens['mentor']}")
    line(f"MENTEE={walk.tokens['mentee']}")

    comment("The mentor: a provider in Europe/Madrid, open 08:00-20:00 every day.")
    provider = walk.call(
        "POST",
        f"{B}/providers",
        "mentor",
        {"display_name": "Ada Mentor", "email": mentor_email, "time_zone": ZONE},
        expect=201,
    ).json()
    result.provider_id = provider["provider_id"]
    line(f"# -> provider {result.provider_id}")
    week = [{"weekday": d, "start": "08:00", "end": "20:00"} for d in range(7)]
    hours_path = f"{B}/providers/{result.provider_id}/availability"
    walk.call("PUT", hours_path, "mentor", {"weekly": week}, expect=204)

    comment("A one-time offering (60 min, 45.00 EUR or 3 credits, one seat).")
    single = {
        "title": "Career mentoring",
        "duration_min": 60,
        "price_minor": 4500,
        "currency": "EUR",
        "capacity": 1,
        "price_in_credits": 3,
    }
    offering_path = f"{B}/providers/{result.provider_id}/offerings"
    offering = walk.call("POST", offering_path, "mentor", single, expect=201).json()
    result.offering_id = offering["offering_id"]
    line(f"# -> offering {result.offering_id}")

    comment("A programme: a recurring offering, three sessions a week, billed by subscription.")
    programme_body = {
        "title": "Interview preparation programme",
        "duration_min": 45,
        "price_minor": 12000,
        "currency": "EUR",
        "capacity": 5,
        "kind": "recurring",
        "pattern": _weekly_pattern(),
    }
    programme = walk.call("POST", offering_path, "mentor", programme_body, expect=201).json()
    result.programme_id = programme["offering_id"]
    line(f"# -> programme {result.programme_id}")

    comment("The mentee buys a pack of credits with Stripe's test card.")
    purchase = {"pack": "starter", "payment_method_id": TEST_CARD}
    walk.call("POST", f"{P}/credits/purchases", "mentee", purchase, expect=201)
    walk.curl("GET", f"{P}/credits", "mentee")

    def balance() -> int:
        resp = walk.call("GET", f"{P}/credits", "mentee", expect=200, show=False)
        return int(resp.json().get("balance") or 0)

    result.credits = walk.until("the purchased credits", balance, timeout)
    line(f"# -> balance {result.credits} credits")

    comment("Free slots of the one-time offering, two days ahead (public: no token).")
    start = (datetime.now(UTC) + timedelta(days=2)).date()
    span = {"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()}
    slots_path = f"{B}/offerings/{result.offering_id}/slots"
    slots = walk.call("GET", slots_path, None, params=span, expect=200).json()
    free = [s for s in _items(slots.get("slots", slots)) if s.get("free", 1) > 0]
    if not free:
        raise DemoError(f"no free slot of {result.offering_id} on {start}")
    starts_at = free[0]["starts_at"]
    line(f"# -> {len(free)} free; the first starts at {starts_at}")

    comment("A hold on the first slot: the seat is the mentee's for 10 minutes.")
    hold_body = {"offering_id": result.offering_id, "starts_at": starts_at}
    hold = walk.call("POST", f"{B}/holds", "mentee", hold_body, expect=201).json()
    result.hold_id = hold["hold_id"]
    line(f"# -> hold {result.hold_id}")

    comment("In another terminal, follow the mentee's live updates as a browser would")
    line("# (EventSource sends no Authorization header: a stream token instead, valid 60 s).")
    line(
        'TOKEN=$(curl -sS -X POST "$GATEWAY/api/booking/live/tokens" '
        '-H "Authorization: Bearer $MENTEE" | python3 -c \'import json,sys;'
        'print(json.load(sys.stdin)["token"])\')'
    )
    line('curl -N "$GATEWAY/api/booking/me/bookings/stream?token=$TOKEN"')

    comment("Pay by card: the card is authorized now and charged once the booking is")
    line("# confirmed (payments waits a few seconds for the hold's event if it is new to it).")
    checkout = {"hold_id": result.hold_id, "method": "card", "payment_method_id": TEST_CARD}
    payment = walk.call("POST", f"{P}/checkouts", "mentee", checkout, expect=201).json()
    line(f"# -> payment {payment.get('payment_id', '')} {payment.get('status', '')}".rstrip())

    comment("The booking, confirmed once booking has the verified payment.")
    walk.curl("GET", f"{B}/me/bookings", "mentee", params={"when": "upcoming"})

    def confirmed() -> dict[str, Any] | None:
        resp = walk.call(
            "GET", f"{B}/me/bookings", "mentee", params={"when": "upcoming"}, expect=200, show=False
        )
        for booking in _items(resp.json()):
            if booking.get("starts_at") == starts_at and booking.get("status") == "confirmed":
                return dict(booking)
        return None

    result.booking = walk.until("the confirmed booking", confirmed, timeout)
    line(
        f"# -> booking {result.booking.get('booking_id')} {result.booking.get('status')} "
        f"at {result.booking.get('starts_at')}"
    )
