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
    finally:
        second.stop()


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
