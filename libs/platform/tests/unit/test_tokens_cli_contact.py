"""`kairos-token mint --email --name --zoneinfo --locale`: the claims the services keep."""

from __future__ import annotations

import uuid
from pathlib import Path

import jwt
import pytest

from kairos_platform.auth import _principal
from kairos_platform.tokens_cli import main

USER = uuid.UUID("7a1c1d0e-9f1e-4c55-8a40-6b2b3b8f0003")


@pytest.fixture
def key(tmp_path: Path) -> Path:
    assert main(["keygen", "--out", str(tmp_path)]) == 0
    return tmp_path / "jwt_private.pem"


def mint(key: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, object]:
    argv = ["mint", "--sub", str(USER), "--role", "mentee", "--key", str(key), *extra]
    assert main(argv) == 0
    token = capsys.readouterr().out.strip()
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_email_and_name_become_claims(key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    claims = mint(key, capsys, "--email", "ada@example.org", "--name", "Ada Lovelace")
    assert (claims["email"], claims["name"]) == ("ada@example.org", "Ada Lovelace")
    # ... and the services read them as the person's contact.
    assert _principal(claims).contact() == ("ada@example.org", "Ada Lovelace")
    plain = mint(key, capsys)
    assert "email" not in plain and "name" not in plain


def test_a_contact_the_services_would_drop_is_refused(
    key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["mint", "--sub", str(USER), "--key", str(key)]
    assert main([*argv, "--email", "not an address"]) == 2
    assert "--email" in capsys.readouterr().err
    assert main([*argv, "--name", ""]) == 2


def test_zoneinfo_and_locale_become_claims(key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    claims = mint(key, capsys, "--zoneinfo", "America/New_York", "--locale", "es-ES")
    assert (claims["zoneinfo"], claims["locale"]) == ("America/New_York", "es-ES")
    plain = mint(key, capsys)
    assert "zoneinfo" not in plain and "locale" not in plain


def test_an_unknown_zone_or_a_malformed_locale_is_refused(
    key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["mint", "--sub", str(USER), "--key", str(key)]
    assert main([*argv, "--zoneinfo", "Mars/Olympus_Mons"]) == 2
    assert "--zoneinfo" in capsys.readouterr().err
    assert main([*argv, "--locale", "not a locale"]) == 2
    assert "--locale" in capsys.readouterr().err
