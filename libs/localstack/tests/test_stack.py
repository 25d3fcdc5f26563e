"""The stack end to end with a stand-in service (the real ones are launched the same way)."""

import json
import stat
import tempfile
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from kairos_localstack.cli import main as cli_main
from kairos_localstack.keys import (
    ensure_calendar_key,
    ensure_jwt_keys,
    live_token_secret,
    service_secrets,
)
from kairos_localstack.postgres import PostgresServer
from kairos_localstack.proc import pid_alive
from kairos_localstack.services import ServiceSpec, all_topics, by_name
from kairos_localstack.stack import AlreadyUp, Stack

from .conftest import FAKE_DIR, stand_in_booking

pytestmark = pytest.mark.integration


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


def test_service_secrets_are_made_once_owner_only(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    made = service_secrets(tmp_path, ("LIVE_TOKEN_SECRET", "CALENDAR_SECRET_KEY"))
    for name in ("live_token.secret", "calendar_secret.key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert made["LIVE_TOKEN_SECRET"] == live_token_secret(tmp_path)
    assert len(made["LIVE_TOKEN_SECRET"]) >= 32
    assert made["CALENDAR_SECRET_KEY"] == ensure_calendar_key(tmp_path)
    Fernet(made["CALENDAR_SECRET_KEY"])  # a valid key
    assert service_secrets(tmp_path, ("LIVE_TOKEN_SECRET", "CALENDAR_SECRET_KEY")) == made
    assert service_secrets(tmp_path / "other", ("LIVE_TOKEN_SECRET",)) != {
        "LIVE_TOKEN_SECRET": made["LIVE_TOKEN_SECRET"]
    }
    with pytest.raises(KeyError):
        service_secrets(tmp_path, ("NO_SUCH_SECRET",))


def test_service_env_gives_each_service_its_own_secrets_unless_set(tmp_path: Path) -> None:
    def env_of(name: str, env: dict[str, str]) -> dict[str, str]:
        stack = Stack(tmp_path, env=env)
        stack.state.endpoints.update(
            kafka_bootstrap="127.0.0.1:9092",
            jwt_public_key_file="jwt_public.pem",
            jwt_issuer="kairos-local",
            jwt_audience="kairos",
            caldav_url="http://127.0.0.1:5232/",
            smtp_host="127.0.0.1",
            smtp_port=25,
            stripe_api_base="http://127.0.0.1:8420",
            stripe_api_key="sk_test_x",
            stripe_webhook_secret="whsec_x",
        )
        (svc,) = by_name([name])
        stack.state.services[name] = {"database_url": "postgresql://x/y"}
        return stack._service_env(svc, {})

    made = env_of("booking", {})["LIVE_TOKEN_SECRET"]
    assert made == live_token_secret(tmp_path)
    assert env_of("booking", {})["LIVE_TOKEN_SECRET"] == made  # the same for every process
    assert env_of("calendar-sync", {})["CALENDAR_SECRET_KEY"] == ensure_calendar_key(tmp_path)
    assert "LIVE_TOKEN_SECRET" not in env_of("payments", {})  # only the service naming it
    assert "CALENDAR_SECRET_KEY" not in env_of("booking", {})
    given = {"LIVE_TOKEN_SECRET": "set-by-the-operator-0123456789"}
    assert env_of("booking", given)["LIVE_TOKEN_SECRET"] == given["LIVE_TOKEN_SECRET"]
    mail_key = env_of("calendar-sync", {})["MAIL_LINK_KEY"]
    assert len(mail_key) >= 32 and env_of("calendar-sync", {})["MAIL_LINK_KEY"] == mail_key


def test_service_env_tells_calendar_sync_the_gateways_address(tmp_path: Path) -> None:
    def env_of(name: str, env: dict[str, str], public_url: str | None) -> dict[str, str]:
        stack = Stack(tmp_path, env=env)
        stack.state.endpoints.update(
            kafka_bootstrap="127.0.0.1:9092", jwt_public_key_file="jwt_public.pem",
            jwt_issuer="kairos-local", jwt_audience="kairos",
            caldav_url="http://127.0.0.1:5232/", smtp_host="127.0.0.1", smtp_port=25,
            stripe_api_base="http://127.0.0.1:8420", stripe_api_key="sk_test_x",
            stripe_webhook_secret="whsec_x",
        )  # fmt: skip
        if public_url:
            stack.state.endpoints["public_url"] = public_url
        (svc,) = by_name([name])
        stack.state.services[name] = {"database_url": "postgresql://x/y"}
        return stack._service_env(svc, {})

    gateway = "http://127.0.0.1:18080"
    assert env_of("calendar-sync", {}, gateway)["PUBLIC_URL"] == gateway
    assert "PUBLIC_URL" not in env_of("booking", {}, gateway)  # it writes no mail links
    assert "PUBLIC_URL" not in env_of("calendar-sync", {}, None)  # migrate: not chosen yet
    given = {"PUBLIC_URL": "https://kairos.example"}
    assert env_of("calendar-sync", given, gateway)["PUBLIC_URL"] == given["PUBLIC_URL"]


def test_stack_up_status_down_with_stand_in_service(
    monkeypatch: pytest.MonkeyPatch, no_externals: None
) -> None:
    monkeypatch.delenv("LIVE_TOKEN_SECRET", raising=False)
    data = Path(tempfile.mkdtemp(prefix="kairos-stacktest-"))
    # booking as registered (its secrets too), run by the stand-in module
    (booking,) = by_name(["booking"])
    assert booking.secrets == ("LIVE_TOKEN_SECRET",)
    fake = replace(
        booking,
        module="fake_kairos_svc",
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

        # booking's stream-token secret: made by the stack (not the public development
        # default), owner-only on disk, the same one in every booking process.
        secret = env["LIVE_TOKEN_SECRET"]
        assert secret == live_token_secret(data) and len(secret) >= 32  # made, not the default
        assert stat.S_IMODE((data / "live_token.secret").stat().st_mode) == 0o600
        info = state.services["booking"]
        for role in ("consumer", "relay"):
            port = info[f"{role}_metrics_port"]
            assert httpx.get(f"http://127.0.0.1:{port}/env").json()["LIVE_TOKEN_SECRET"] == secret

        with pytest.raises(AlreadyUp):
            Stack(data, services=[fake]).up()
        assert cli_main(["status", "--data-dir", str(data)]) == 0
    finally:
        assert cli_main(["down", "--data-dir", str(data)]) == 0
    assert not any(pid_alive(pid) for pid in pids)
    assert not (data / "state.json").exists()


def test_failed_up_leaves_nothing_running(no_externals: None) -> None:
    data = Path(tempfile.mkdtemp(prefix="kairos-stacktest-"))
    missing = ServiceSpec("booking", "no_such_kairos_module", "kairos_booking", "/api/booking/")
    stack = Stack(data, services=[missing], ready_timeout=30)
    with pytest.raises(Exception, match="migrate exited"):
        stack.up()
    assert not (data / "state.json").exists()


def test_external_database_url_is_used_not_started(
    monkeypatch: pytest.MonkeyPatch, no_externals: None, postgres_server: PostgresServer
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_server.url("postgres"))
    data = Path(tempfile.mkdtemp(prefix="kairos-stacktest-"))
    fake = stand_in_booking("kairos_booking_ext")
    stack = Stack(data, services=[fake], ready_timeout=60)
    state = stack.up()
    try:
        assert "postgres" not in {p.name for p in state.processes}
        env = httpx.get(f"{state.gateway_url}/api/booking/env").json()
        assert env["DATABASE_URL"] == postgres_server.url("kairos_booking_ext")
    finally:
        stack.down()
    assert not (data / "postgres").exists()
