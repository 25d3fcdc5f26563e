"""The stack end to end with a stand-in service (the real ones are launched the same way)."""

import json
import tempfile
from pathlib import Path

import httpx
import pytest

from kairos_localstack.cli import main as cli_main
from kairos_localstack.keys import ensure_jwt_keys
from kairos_localstack.proc import pid_alive
from kairos_localstack.services import ServiceSpec, all_topics
from kairos_localstack.stack import AlreadyUp, Stack

pytestmark = pytest.mark.integration

FAKE_DIR = Path(__file__).parent / "fakesvc"


def test_all_topics_have_dead_letter_twins() -> None:
    topics = all_topics()
    for name in topics:
        if not name.endswith(".dlq"):
            assert f"{name}.dlq" in topics


def test_jwt_keys_created_once(tmp_path: Path) -> None:
    private, public = ensure_jwt_keys(tmp_path)
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    before = private.read_bytes()
    ensure_jwt_keys(tmp_path)
    assert private.read_bytes() == before


def test_stack_up_status_down_with_stand_in_service(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "DATABASE_URL",
        "KAFKA_BOOTSTRAP_SERVERS",
        "STRIPE_API_BASE",
        "CALDAV_URL",
        "SMTP_HOST",
    ):
        monkeypatch.delenv(var, raising=False)
    data = Path(tempfile.mkdtemp(prefix="kairos-stacktest-"))
    fake = ServiceSpec(
        "booking",
        "fake_kairos_svc",
        "kairos_booking",
        "/api/booking/",
        needs_stripe=True,
        extra_env={"PYTHONPATH": str(FAKE_DIR)},
    )
    stack = Stack(data, services=[fake], ready_timeout=60)
    state = stack.up()
    pids = [p.pid for p in state.processes]
    try:
        names = {p.name for p in state.processes}
        assert {"postgres", "kafka", "localstripe", "radicale", "smtp", "traefik"} <= names
        assert {"booking-http", "booking-consumer", "booking-relay"} <= names
        on_disk = json.loads((data / "state.json").read_text())
        assert on_disk["gateway_url"] == state.gateway_url

        resp = httpx.get(f"{state.gateway_url}/api/booking/env")
        assert resp.status_code == 200
        env = resp.json()
        assert env["SERVICE_NAME"] == "booking"
        assert env["DATABASE_URL"].endswith("/kairos_booking")
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == state.endpoints["kafka_bootstrap"]
        assert httpx.get(f"{state.gateway_url}/api/bookingX/env").status_code == 404

        with pytest.raises(AlreadyUp):
            Stack(data, services=[fake]).up()
        assert cli_main(["status", "--data-dir", str(data)]) == 0
    finally:
        assert cli_main(["down", "--data-dir", str(data)]) == 0
    assert not any(pid_alive(pid) for pid in pids)
    assert not (data / "state.json").exists()


def test_failed_up_leaves_nothing_running(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "DATABASE_URL",
        "KAFKA_BOOTSTRAP_SERVERS",
        "STRIPE_API_BASE",
        "CALDAV_URL",
        "SMTP_HOST",
    ):
        monkeypatch.delenv(var, raising=False)
    data = Path(tempfile.mkdtemp(prefix="kairos-stacktest-"))
    missing = ServiceSpec("booking", "no_such_kairos_module", "kairos_booking", "/api/booking/")
    stack = Stack(data, services=[missing], ready_timeout=30)
    with pytest.raises(Exception, match="migrate exited"):
        stack.up()
    assert not (data / "state.json").exists()


def test_external_database_url_is_used_not_started(
    monkeypatch: pytest.MonkeyPatch, postgres_server
) -> None:
    for var in ("KAFKA_BOOTSTRAP_SERVERS", "STRIPE_API_BASE", "CALDAV_URL", "SMTP_HOST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DATABASE_URL", postgres_server.url("postgres"))
    data = Path(tempfile.mkdtemp(prefix="kairos-stacktest-"))
    fake = ServiceSpec(
        "booking",
        "fake_kairos_svc",
        "kairos_booking_ext",
        "/api/booking/",
        extra_env={"PYTHONPATH": str(FAKE_DIR)},
    )
    stack = Stack(data, services=[fake], ready_timeout=60)
    state = stack.up()
    try:
        assert "postgres" not in {p.name for p in state.processes}
        env = httpx.get(f"{state.gateway_url}/api/booking/env").json()
        assert env["DATABASE_URL"] == postgres_server.url("kairos_booking_ext")
    finally:
        stack.down()
    assert not (data / "postgres").exists()
