"""The local RS256 keypair that signs and verifies JWTs on the local stack."""

from __future__ import annotations

import os
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


CALENDAR_KEY_NAME = "calendar_secret.key"


def ensure_calendar_key(data_dir: Path) -> str:
    """The Fernet key calendar-sync seals calendar credentials with (created once, 0600)."""
    from cryptography.fernet import Fernet

    path = Path(data_dir) / CALENDAR_KEY_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())
    return path.read_text().strip()
