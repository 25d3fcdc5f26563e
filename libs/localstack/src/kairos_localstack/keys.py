"""The local stack's keys: the RS256 keypair that signs and verifies JWTs, and each
service's own secrets (``ServiceSpec.secrets``), all made once under the data dir."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

PRIVATE_NAME = "jwt_private.pem"
PUBLIC_NAME = "jwt_public.pem"


def ensure_jwt_keys(data_dir: Path) -> tuple[Path, Path]:
    """Create <data>/jwt_private.pem and jwt_public.pem unless both exist; return their paths."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private_path = Path(data_dir) / PRIVATE_NAME
    public_path = Path(data_dir) / PUBLIC_NAME
    if private_path.exists() and public_path.exists():
        return private_path, public_path
    private_path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # The private key is readable by its owner only.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_pem)
    public_path.write_bytes(public_pem)
    return private_path, public_path


def _live_token_secret() -> str:
    return secrets.token_urlsafe(32)


def _hmac_key() -> str:
    return secrets.token_urlsafe(32)


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


LIVE_TOKEN_NAME = "live_token.secret"
CALENDAR_KEY_NAME = "calendar_secret.key"
MAIL_LINK_KEY_NAME = "mail_link.key"

#: The per-service secrets a service names in ``ServiceSpec.secrets``: environment variable
#: -> (file under the data dir, how to make a value). The local stack makes each one once.
SECRET_MAKERS: dict[str, tuple[str, Callable[[], str]]] = {
    # booking signs browser stream tokens with it (HMAC); every http replica shares it
    "LIVE_TOKEN_SECRET": (LIVE_TOKEN_NAME, _live_token_secret),
    # calendar-sync seals calendar credentials with it (a Fernet key)
    "CALENDAR_SECRET_KEY": (CALENDAR_KEY_NAME, _fernet_key),
    # calendar-sync signs its mails' one-click unsubscribe links with it (HMAC)
    "MAIL_LINK_KEY": (MAIL_LINK_KEY_NAME, _hmac_key),
}


def secret_path(data_dir: Path | str, var: str) -> Path:
    """Where the local stack keeps the value of the secret ``var`` (a KeyError if unknown)."""
    name, _ = SECRET_MAKERS[var]
    return Path(data_dir) / name


def ensure_secret(data_dir: Path, var: str) -> str:
    """The value of the per-service secret ``var`` for the stack in ``data_dir``: made once
    (readable by its owner only, 0600), then read back on every later call."""
    path = secret_path(data_dir, var)
    if not path.exists():
        _, make = SECRET_MAKERS[var]
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(make() + "\n")
    return path.read_text().strip()


def service_secrets(data_dir: Path, names: Iterable[str]) -> dict[str, str]:
    """Each named secret's value (made once under data_dir)."""
    return {var: ensure_secret(data_dir, var) for var in names}


def live_token_secret(data_dir: Path | str) -> str:
    """booking's LIVE_TOKEN_SECRET as the stack in data_dir made it (a FileNotFoundError if
    it made none; a stack whose environment set LIVE_TOKEN_SECRET runs that one instead)."""
    return secret_path(data_dir, "LIVE_TOKEN_SECRET").read_text().strip()


def ensure_calendar_key(data_dir: Path) -> str:
    """The Fernet key calendar-sync seals calendar credentials with (created once, 0600)."""
    return ensure_secret(data_dir, "CALENDAR_SECRET_KEY")
