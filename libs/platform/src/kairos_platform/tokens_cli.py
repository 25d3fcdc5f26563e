"""``kairos-token``: local signing keys and tokens for development and tests.

    kairos-token keygen [--out DIR] [--type rsa|ed25519] [--force]
    kairos-token mint --sub UUID --role mentee [--role ...] [--ttl 3600] [--key PATH]
                      [--issuer ISS] [--audience AUD] [--email E] [--name N]
                      [--zoneinfo ZONE] [--locale LOCALE]
    kairos-token jwks [--key PATH]

Keys live in ``$KAIROS_DATA_DIR`` (default ``<repo>/.kairos``): ``jwt_private.pem`` and
``jwt_public.pem``. Point services at the public key with ``JWT_PUBLIC_KEY_FILE``, or serve
the ``jwks`` output and set ``JWKS_URL``. The key id (``kid``) is the RFC 7638 thumbprint of
the public key, so minted tokens match the JWKS entry. ``--email`` and ``--name`` put the
``email`` and ``name`` claims in the token: the services keep them as the person's contact
(mails, calendar invitations, a provider's mentee list). ``--zoneinfo`` and ``--locale``
put the OIDC standard claims of those names (``Europe/Madrid``, ``es-ES``): calendar-sync
keeps them as the person's mail zone and locale until the person chooses their own.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm
from pydantic import StringConstraints, TypeAdapter, ValidationError

from kairos_contracts.types import Email, Label, TimeZoneName
from kairos_platform.auth import KNOWN_ROLES

__all__ = [
    "PRIVATE_KEY_NAME",
    "PUBLIC_KEY_NAME",
    "data_dir",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "main",
    "mint_token",
    "public_jwk",
    "public_jwks",
]

PRIVATE_KEY_NAME = "jwt_private.pem"
PUBLIC_KEY_NAME = "jwt_public.pem"

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey


def _repo_root() -> Path:
    """The uv workspace root above this file (or the working directory)."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for parent in (start, *start.parents):
            pyproject = parent / "pyproject.toml"
            if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text("utf-8"):
                return parent
    return Path.cwd()


def data_dir() -> Path:
    """``$KAIROS_DATA_DIR``, else ``<repo>/.kairos``."""
    env = os.environ.get("KAIROS_DATA_DIR")
    return Path(env) if env else _repo_root() / ".kairos"


# --- keys ----------------------------------------------------------------------------------


def generate_keypair(kind: str = "rsa") -> tuple[bytes, bytes]:
    """A new (private PEM, public PEM) pair; ``kind`` is ``rsa`` (2048-bit) or ``ed25519``."""
    private: PrivateKey
    if kind == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif kind == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unknown key type {kind!r} (rsa or ed25519)")
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_private_key(pem: bytes) -> PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValueError("the private key must be RSA or Ed25519")
    return key


def _load_public(pem: bytes) -> PublicKey:
    if b"PRIVATE KEY" in pem:
        return load_private_key(pem).public_key()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise ValueError("the public key must be RSA or Ed25519")
    return key


def _algorithm(key: PrivateKey | PublicKey) -> str:
    return "RS256" if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey) else "EdDSA"


def _jwk_members(public: PublicKey) -> dict[str, Any]:
    if isinstance(public, rsa.RSAPublicKey):
        return RSAAlgorithm.to_jwk(public, as_dict=True)
    return OKPAlgorithm.to_jwk(public, as_dict=True)


def key_id(public: PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key."""
    import base64
    import hashlib

    jwk = _jwk_members(public)
    required = ("e", "kty", "n") if jwk["kty"] == "RSA" else ("crv", "kty", "x")
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk(public: PublicKey) -> dict[str, Any]:
    jwk = _jwk_members(public)
    jwk.update({"kid": key_id(public), "use": "sig", "alg": _algorithm(public)})
    return jwk


def public_jwks(*keys: PublicKey) -> dict[str, Any]:
    return {"keys": [public_jwk(k) for k in keys]}


# --- tokens --------------------------------------------------------------------------------


def mint_token(
    private_key_pem: bytes,
    *,
    sub: uuid.UUID | str,
    roles: Iterable[str],
    issuer: str,
    audience: str,
    ttl_s: int = 3600,
    now: float | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """A signed token (RS256 for an RSA key, EdDSA for Ed25519) carrying ``kid``."""
    key = load_private_key(private_key_pem)
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": str(uuid.UUID(str(sub))),
        "roles": list(dict.fromkeys(roles)),
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_s,
        "jti": str(uuid.uuid4()),
    }
    claims.update(extra_claims or {})
    return jwt.encode(
        claims, key, algorithm=_algorithm(key), headers={"kid": key_id(key.public_key())}
    )


# --- CLI -----------------------------------------------------------------------------------


def _default_issuer() -> str:
    return os.environ.get("JWT_ISSUER", "kairos-local")


def _default_audience() -> str:
    return os.environ.get("JWT_AUDIENCE", "kairos")


#: a BCP 47 language tag, loosely (``es-ES``, ``de``); calendar-sync checks it with Babel
_LocaleTag = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$", max_length=35)
]


def contact_claims(
    email: str | None,
    name: str | None,
    zoneinfo: str | None = None,
    locale: str | None = None,
) -> dict[str, Any] | None:
    """The ``email``, ``name``, ``zoneinfo`` and ``locale`` claims given; a value the
    services would not keep (not an address, an empty name, an unknown zone) is refused here
    rather than ignored there (this command, the local stack's sign-in)."""
    claims: dict[str, Any] = {}
    given: tuple[tuple[str, str | None, Any], ...] = (
        ("email", email, Email),
        ("name", name, Label),
        ("zoneinfo", zoneinfo, TimeZoneName),
        ("locale", locale, _LocaleTag),
    )
    for claim, value, kind in given:
        if value is None:
            continue
        try:
            claims[claim] = TypeAdapter(kind).validate_python(value)
        except ValidationError as exc:
            message = exc.errors()[0]["msg"]
            raise ValueError(f"{claim} {value!r} is not acceptable: {message}") from None
    return claims or None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kairos-token", description="Local JWT keys and tokens.")
    sub = p.add_subparsers(dest="command", required=True)

    k = sub.add_parser("keygen", help="write jwt_private.pem and jwt_public.pem")
    k.add_argument("--out", type=Path, default=None, help="directory (default: data dir)")
    k.add_argument("--type", choices=("rsa", "ed25519"), default="rsa")
    k.add_argument("--force", action="store_true", help="overwrite existing keys")

    m = sub.add_parser("mint", help="print a signed token")
    m.add_argument("--sub", required=True, help="the user id (UUID)")
    m.add_argument("--role", action="append", default=[], choices=sorted(KNOWN_ROLES), dest="roles")
    m.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    m.add_argument("--key", type=Path, default=None, help="private key PEM")
    m.add_argument("--issuer", default=None, help="iss (default $JWT_ISSUER or kairos-local)")
    m.add_argument("--audience", default=None, help="aud (default $JWT_AUDIENCE or kairos)")
    m.add_argument("--email", default=None, help="the email claim (the person's address)")
    m.add_argument("--name", default=None, help="the name claim (their display name)")
    m.add_argument("--zoneinfo", default=None, help="the zoneinfo claim (an IANA time zone)")
    m.add_argument("--locale", default=None, help="the locale claim (es-ES, de...)")

    j = sub.add_parser("jwks", help="print the JWKS for a key")
    j.add_argument("--key", type=Path, default=None, help="public or private key PEM")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "keygen":
            out: Path = args.out or data_dir()
            priv_path, pub_path = out / PRIVATE_KEY_NAME, out / PUBLIC_KEY_NAME
            if not args.force and (priv_path.exists() or pub_path.exists()):
                print(f"keys already exist in {out} (use --force to replace)", file=sys.stderr)
                return 1
            private_pem, public_pem = generate_keypair(args.type)
            out.mkdir(parents=True, exist_ok=True)
            # Readable by its owner only, from the moment it exists.
            fd = os.open(priv_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(private_pem)
            pub_path.write_bytes(public_pem)
            print(f"wrote {priv_path} and {pub_path}", file=sys.stderr)
            return 0
        if args.command == "mint":
            key_path: Path = args.key or data_dir() / PRIVATE_KEY_NAME
            try:
                claims = contact_claims(args.email, args.name, args.zoneinfo, args.locale)
            except ValueError as exc:
                raise ValueError(f"--{exc}") from None  # named as the option it came from
            token = mint_token(
                key_path.read_bytes(),
                sub=uuid.UUID(args.sub),
                roles=args.roles,
                issuer=args.issuer or _default_issuer(),
                audience=args.audience or _default_audience(),
                ttl_s=args.ttl,
                extra_claims=claims,
            )
            print(token)
            return 0
        if args.command == "jwks":
            path: Path = args.key
            if path is None:
                pub = data_dir() / PUBLIC_KEY_NAME
                path = pub if pub.exists() else data_dir() / PRIVATE_KEY_NAME
            print(json.dumps(public_jwks(_load_public(path.read_bytes())), indent=2))
            return 0
    except FileNotFoundError as exc:
        hint = "(run `kairos-token keygen`?)"
        print(f"kairos-token: no such file: {exc.filename} {hint}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"kairos-token: {exc}", file=sys.stderr)
        return 2
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
