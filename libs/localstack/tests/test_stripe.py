import os
import time
from pathlib import Path

import httpx
import pytest

from kairos_localstack.stripe import LOCAL_API_KEY, LocalStripe, register_webhook

pytestmark = pytest.mark.integration

SHARED = Path("/tmp/localstripe.pickle")


def _mtime(p: Path) -> float | None:
    return p.stat().st_mtime if p.exists() else None


def test_state_lives_in_its_own_file(tmp_path: Path) -> None:
    state = tmp_path / "stripe.pickle"
    shared_before = _mtime(SHARED)
    first = LocalStripe(state_file=state, log_file=tmp_path / "ls.log")
    first.start()
    try:
        resp = httpx.post(
            f"{first.api_base}/v1/customers",
            data={"email": "a@example.org"},
            auth=(LOCAL_API_KEY, ""),
        )
        assert resp.status_code == 200
        customer_id = resp.json()["id"]
        register_webhook(first.api_base, "http://127.0.0.1:9/hook", "whsec_test")
        deadline = time.monotonic() + 10
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        first.stop()
    assert state.exists()
    assert _mtime(SHARED) == shared_before  # the shared fixed file was not touched

    second = LocalStripe(state_file=state)  # a new instance reloads the state
    second.start()
    try:
        resp = httpx.get(f"{second.api_base}/v1/customers/{customer_id}", auth=(LOCAL_API_KEY, ""))
        assert resp.status_code == 200
        # the per-type index is rebuilt from the loaded state: listings see it too
        listed = httpx.get(f"{second.api_base}/v1/customers", auth=(LOCAL_API_KEY, ""))
        assert [c["id"] for c in listed.json()["data"]] == [customer_id]
    finally:
        second.stop()


def test_listings_and_refunds_read_from_the_type_index(tmp_path: Path) -> None:
    """Objects are listed per type (not by scanning the store): creations, deletions and a
    charge's refunds all show, in creation order, whatever else the store holds."""
    server = LocalStripe(log_file=tmp_path / "ls.log")
    server.start()
    try:
        with httpx.Client(base_url=server.api_base, auth=(LOCAL_API_KEY, "")) as http:
            customers = [http.post("/v1/customers", data={}).json()["id"] for _ in range(3)]
            paid = []
            for amount in (1000, 2000):
                pi = http.post(
                    "/v1/payment_intents",
                    data={"amount": amount, "currency": "eur", "capture_method": "manual"},
                ).json()["id"]
                http.post(f"/v1/payment_intents/{pi}", data={"payment_method": "pm_card_visa"})
                assert http.post(f"/v1/payment_intents/{pi}/confirm").status_code == 200
                assert http.post(f"/v1/payment_intents/{pi}/capture").status_code == 200
                paid.append(pi)
            assert http.delete(f"/v1/customers/{customers[1]}").status_code == 200
            refund = http.post("/v1/refunds", data={"payment_intent": paid[0], "amount": 300})
            assert refund.status_code == 200, refund.text

            listed = http.get("/v1/customers").json()["data"]
            assert sorted(c["id"] for c in listed) == sorted([customers[0], customers[2]])
            first, second = (http.get(f"/v1/payment_intents/{pi}").json() for pi in paid)
            # localstripe shows a PaymentIntent's latest charge expanded; read it on its own too
            charge = http.get(f"/v1/charges/{first['latest_charge']['id']}").json()
            assert (charge["amount_refunded"], charge["refunded"]) == (300, False)
            assert [r["id"] for r in charge["refunds"]["data"]] == [refund.json()["id"]]
            assert first["latest_charge"]["amount_refunded"] == 300
            other = second["latest_charge"]
            assert (other["amount_refunded"], other["refunds"]["data"]) == (0, [])
    finally:
        server.stop()


def test_without_state_file_nothing_is_written(tmp_path: Path) -> None:
    shared_before = _mtime(SHARED)
    server = LocalStripe()
    server.start()
    try:
        resp = httpx.post(f"{server.api_base}/v1/customers", data={}, auth=(LOCAL_API_KEY, ""))
        assert resp.status_code == 200
    finally:
        server.stop()
    assert _mtime(SHARED) == shared_before
    assert not os.listdir(tmp_path)


def test_it_tells_of_an_authorization_and_takes_another_card_after_a_decline(
    tmp_path: Path,
) -> None:
    """Where localstripe departs from Stripe, the stand-in acts like Stripe: a manual-capture
    authorization is announced (payment_intent.amount_capturable_updated), and a declined
    PaymentIntent is confirmed again with another card."""
    server = LocalStripe(log_file=tmp_path / "ls.log")
    server.start()
    try:
        with httpx.Client(base_url=server.api_base, auth=(LOCAL_API_KEY, "")) as http:

            def manual_intent(**more: str) -> str:
                body = {"amount": "1500", "currency": "eur", "capture_method": "manual", **more}
                return str(http.post("/v1/payment_intents", data=body).json()["id"])

            def announced(pi: str) -> list[str]:
                listed = http.get("/v1/events", params={"limit": 100}).json()["data"]
                return [e["type"] for e in listed if e["data"]["object"]["id"] == pi]

            pi = manual_intent(payment_method="pm_card_visa")
            assert http.post(f"/v1/payment_intents/{pi}/confirm").json()["status"] == (
                "requires_capture"
            )
            assert announced(pi) == ["payment_intent.amount_capturable_updated"]

            declined = manual_intent(payment_method="pm_card_chargeCustomerFail")
            refused = http.post(f"/v1/payment_intents/{declined}/confirm")
            assert refused.status_code == 402, refused.text
            assert http.get(f"/v1/payment_intents/{declined}").json()["status"] == (
                "requires_payment_method"
            )
            again = http.post(
                f"/v1/payment_intents/{declined}/confirm", data={"payment_method": "pm_card_visa"}
            )
            assert again.status_code == 200, again.text
            assert again.json()["status"] == "requires_capture"
            assert announced(declined)[-1] == "payment_intent.amount_capturable_updated"
            # a PaymentIntent past confirmation cannot be confirmed with another card
            late = http.post(
                f"/v1/payment_intents/{pi}/confirm", data={"payment_method": "pm_card_visa"}
            )
            assert late.status_code == 400, late.text
    finally:
        server.stop()
