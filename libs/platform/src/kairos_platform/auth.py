"""Bearer-token authentication: JWT (RS256 / EdDSA) verification and FastAPI dependencies.

Keys come from a JWKS URL (cached; refetched when a token names a key id we have not
seen, at most once per ``min_refresh_interval_s``) or from a local PEM public key file.
A token must carry ``sub`` (the user id, a UUID), ``exp``, ``iss`` and ``aud``; ``nbf`` is
checked when present. ``roles`` is a list drawn from mentee, mentor, admin.

The verifier is built by the app factory (:func:`kairos_platform.http.create_app`) and kept
on ``app.state.verifier``; routes reach it through :func:`get_verifier`, which tests can
override. Routes declare who may call them::

    @router.get("/me")
    async def me(user: CurrentUser) -> ...

    @router.post("/offerings")
    async def create(user: Annotated[Principal, Depends(require_roles("mentor", "admin"))]):
        ...

    # or the ready-made aliases: MentorOrAdmin, MenteeOrAdmin, AdminOnly
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter, ValidationError

from kairos_contracts.types import Email, Label
from kairos_platform.problems import forbidden, service_unavailable, unauthorized

if TYPE_CHECKING:
    from kairos_platform.settings import ServiceSettings

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "AdminOnly",
    "CurrentUser",
    "InvalidToken",
    "JWKSKeySource",
    "JWTVerifier",
    "KeySource",
    "KeySourceUnavailable",
    "MenteeOrAdmin",
    "MentorOrAdmin",
    "OptionalUser",
    "Principal",
    "Role",
    "StaticKeySource",
    "TokenVerifier",
    "build_verifier",
    "current_user",
    "ensure_owner",
    "get_verifier",
    "is_admin",
    "optional_user",
    "require_roles",
]

log = logging.getLogger("kairos.auth")

SUPPORTED_ALGORITHMS = ("RS256", "EdDSA")
PublicKey = RSAPublicKey | Ed25519PublicKey


class Role(StrEnum):
    MENTEE = "mentee"
    MENTOR = "mentor"
    ADMIN = "admin"


KNOWN_ROLES = frozenset(r.value for r in Role)


_EMAIL: TypeAdapter[str] = TypeAdapter(Email)
_NAME: TypeAdapter[str] = TypeAdapter(Label)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's subject, its known roles and every claim."""

    user_id: uuid.UUID
    roles: frozenset[str]
    claims: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def contact(self) -> tuple[str | None, str | None]:
        """(email, display name) from the token's ``email`` and ``name`` claims, each None
        when absent or not acceptable (an odd claim never blocks a request; we just do not
        keep it)."""
        return _valid_claim(_EMAIL, self.claims.get("email")), _valid_claim(
            _NAME, self.claims.get("name")
        )


def _valid_claim(adapter: TypeAdapter[str], value: Any) -> str | None:
    try:
        return adapter.validate_python(value) if value is not None else None
    except ValidationError:
        return None


class InvalidToken(Exception):
    """The token is missing a claim, expired, forged, or not for us. Message is client-safe."""


class KeySourceUnavailable(Exception):
    """The keys could not be loaded (JWKS endpoint down): answer 503, not 401."""


class KeySource(Protocol):
    async def get_key(self, kid: str | None, alg: str) -> PublicKey: ...

    async def aclose(self) -> None: ...


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...

    async def aclose(self) -> None: ...


def _alg_for(key: PublicKey) -> str:
    return "RS256" if isinstance(key, RSAPublicKey) else "EdDSA"


def _check_key(key: object) -> PublicKey:
    if isinstance(key, RSAPublicKey | Ed25519PublicKey):
        return key
    raise ValueError(f"unsupported public key type {type(key).__name__} (want RSA or Ed25519)")


class StaticKeySource:
    """One public key, from a PEM file (the local-stack default) or given directly."""

    def __init__(self, key: PublicKey) -> None:
        self.key = _check_key(key)
        self.algorithm = _alg_for(self.key)

    @classmethod
    def from_pem(cls, pem: bytes | str) -> StaticKeySource:
        data = pem.encode() if isinstance(pem, str) else pem
        return cls(_check_key(load_pem_public_key(data)))

    @classmethod
    def from_pem_file(cls, path: str | Path) -> StaticKeySource:
        return cls.from_pem(Path(path).read_bytes())

    async def get_key(self, kid: str | None, alg: str) -> PublicKey:
        if alg != self.algorithm:
            raise InvalidToken(f"The token's algorithm {alg} does not match the key.")
        return self.key

    async def aclose(self) -> None:
        return None


class JWKSKeySource:
    """Keys from a JWKS URL, cached for ``ttl_s``; an unknown ``kid`` triggers a refetch."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        ttl_s: float = 300.0,
        min_refresh_interval_s: float = 10.0,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._client = client
        self._owns_client = client is None
        self.ttl_s = ttl_s
        self.min_refresh_interval_s = min_refresh_interval_s
        self.timeout_s = timeout_s
        self._clock = clock
        self._keys: dict[str | None, tuple[str, PublicKey]] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._last_attempt: float | None = None
        self._lock = asyncio.Lock()
        self.fetch_count = 0

    def _client_or_new(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout_s)
        return self._client

    async def _fetch(self) -> None:
        self.fetch_count += 1
        self._last_attempt = self._clock()
        try:
            resp = await self._client_or_new().get(self.url, headers={"Accept": "application/json"})
            resp.raise_for_status()
            data = resp.json()
        except (httpx.HTTPError, json.JSONDecodeError, ValueError) as exc:
            raise KeySourceUnavailable(f"cannot load JWKS from {self.url}: {exc}") from exc
        keys: dict[str | None, tuple[str, PublicKey]] = {}
        for jwk in data.get("keys", []) if isinstance(data, dict) else []:
            if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                continue
            try:
                parsed = jwt.PyJWK.from_dict(jwk)
                key = _check_key(parsed.key)
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError) as exc:
                log.warning("skipping unusable JWKS key %s: %s", jwk.get("kid"), exc)
                continue
            keys[jwk.get("kid")] = (_alg_for(key), key)
        if not keys:
            raise KeySourceUnavailable(f"JWKS at {self.url} holds no usable signing key")
        self._keys = keys
        self._fetched_at = self._clock()
        log.info("loaded %d signing key(s) from JWKS", len(keys))

    def _lookup(self, kid: str | None) -> tuple[str, PublicKey] | None:
        if kid in self._keys:
            return self._keys[kid]
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return None

    def _is_stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self.ttl_s

    async def _refresh(self, kid: str | None) -> tuple[str, PublicKey] | None:
        last = self._last_attempt
        if last is not None and self._clock() - last < self.min_refresh_interval_s:
            # Fetched (or tried) a moment ago: random kids must not hammer the key server.
            if not self._keys:
                raise KeySourceUnavailable("JWKS unavailable; retrying shortly")
            return self._lookup(kid)
        try:
            await self._fetch()
        except KeySourceUnavailable:
            cached = self._lookup(kid)
            if cached is None:
                raise
            log.warning("JWKS refresh failed; using the cached key", exc_info=True)
            return cached
        return self._lookup(kid)

    async def get_key(self, kid: str | None, alg: str) -> PublicKey:
        found = None if self._is_stale() else self._lookup(kid)
        if found is None:
            async with self._lock:
                # Another request may have refreshed while we waited for the lock.
                found = None if self._is_stale() else self._lookup(kid)
                if found is None:
                    found = await self._refresh(kid)
        if found is None:
            raise InvalidToken("The token was signed by an unknown key.")
        key_alg, key = found
        if key_alg != alg:
            raise InvalidToken(f"The token's algorithm {alg} does not match its key.")
        return key

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None


class JWTVerifier:
    """Verifies a bearer token and returns the :class:`Principal` it speaks for."""

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        leeway_s: float = 30.0,
        algorithms: Iterable[str] = SUPPORTED_ALGORITHMS,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway_s = leeway_s
        self.algorithms = tuple(a for a in algorithms if a in SUPPORTED_ALGORITHMS)

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("The token is malformed.") from exc
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise InvalidToken(f"The token's algorithm {alg!r} is not accepted.")
        kid = header.get("kid")
        key = await self.keys.get_key(kid if isinstance(kid, str) else None, alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("The token has expired.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise InvalidToken("The token is not valid yet.") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("The token was issued by someone we do not trust.") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("The token is not meant for this service.") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken("The token's signature is invalid.") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"The token lacks the {exc.claim!r} claim.") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("The token is invalid.") from exc
        return _principal(claims)

    async def aclose(self) -> None:
        await self.keys.aclose()


def _principal(claims: dict[str, Any]) -> Principal:
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError as exc:
        raise InvalidToken("The token's subject is not a user id.") from exc
    raw_roles = claims.get("roles", [])
    if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
        raise InvalidToken("The token's roles claim must be a list of strings.")
    return Principal(user_id=user_id, roles=frozenset(raw_roles) & KNOWN_ROLES, claims=claims)


def build_verifier(
    settings: ServiceSettings, *, http_client: httpx.AsyncClient | None = None
) -> JWTVerifier | None:
    """The verifier the settings describe: JWKS URL first, else the PEM file, else None.

    No network access happens here; the JWKS is fetched on the first token.
    """
    source: KeySource
    if settings.jwks_url:
        source = JWKSKeySource(settings.jwks_url, client=http_client)
    elif settings.jwt_public_key_file:
        source = StaticKeySource.from_pem_file(settings.jwt_public_key_file)
    else:
        return None
    return JWTVerifier(source, issuer=settings.jwt_issuer, audience=settings.jwt_audience)


# --- FastAPI dependencies ------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="A Kairos JWT.")


async def get_verifier(request: Request) -> TokenVerifier | None:
    """The app's verifier (``app.state.verifier``); override this in tests if you like."""
    return getattr(request.app.state, "verifier", None)


async def optional_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    verifier: Annotated[TokenVerifier | None, Depends(get_verifier)],
) -> Principal | None:
    """The caller, or None when no token is sent. A bad token is still a 401."""
    if credentials is None:
        return None
    if verifier is None:
        log.error("a request carried a token but this app has no verifier configured")
        raise service_unavailable("Authentication is not configured.", slug="auth-unavailable")
    try:
        return await verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        raise unauthorized(str(exc), slug="invalid-token", error="invalid_token") from exc
    except KeySourceUnavailable as exc:
        log.error("cannot verify tokens: %s", exc)
        raise service_unavailable(
            "Tokens cannot be verified right now.", slug="auth-unavailable", retry_after=5
        ) from exc


async def current_user(
    principal: Annotated[Principal | None, Depends(optional_user)],
) -> Principal:
    """The caller; 401 problem when the token is missing, malformed, expired or forged."""
    if principal is None:
        raise unauthorized("A bearer token is required.", slug="missing-token")
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]
OptionalUser = Annotated[Principal | None, Depends(optional_user)]


def require_roles(*roles: str | Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting callers holding any of ``roles`` (403 problem otherwise).

    ``Annotated[Principal, Depends(require_roles("mentor", "admin"))]`` as a parameter type,
    or ``dependencies=[Depends(require_roles("admin"))]`` on a route or router.
    """
    wanted = frozenset(str(r) for r in roles)
    unknown = wanted - KNOWN_ROLES
    if not wanted or unknown:
        raise ValueError(f"require_roles needs roles from {sorted(KNOWN_ROLES)}, got {roles}")
    label = " or ".join(sorted(wanted))

    async def dependency(principal: CurrentUser) -> Principal:
        if not principal.has_role(*wanted):
            raise forbidden(f"This requires the {label} role.", slug="missing-role")
        return principal

    dependency.__name__ = "require_" + "_or_".join(sorted(wanted))
    return dependency


MentorOrAdmin = Annotated[Principal, Depends(require_roles(Role.MENTOR, Role.ADMIN))]
MenteeOrAdmin = Annotated[Principal, Depends(require_roles(Role.MENTEE, Role.ADMIN))]
AdminOnly = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def is_admin(principal: Principal) -> bool:
    return Role.ADMIN in principal.roles


def ensure_owner(principal: Principal, owner_id: uuid.UUID | str) -> None:
    """403 problem unless ``principal`` is ``owner_id`` or an admin."""
    if is_admin(principal):
        return
    try:
        owner = owner_id if isinstance(owner_id, uuid.UUID) else uuid.UUID(str(owner_id))
    except ValueError:
        owner = None
    if owner != principal.user_id:
        raise forbidden("This belongs to someone else.", slug="not-owner")
