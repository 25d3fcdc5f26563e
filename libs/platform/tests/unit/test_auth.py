from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import APIRouter, Depends, FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kairos_platform.auth import (
    AdminOnly,
    CurrentUser,
    InvalidToken,
    JWKSKeySource,
    JWTVerifier,
    KeySourceUnavailable,
    MentorOrAdmin,
    OptionalUser,
    Principal,
    StaticKeySource,
    build_verifier,
    ensure_owner,
    get_verifier,
    is_admin,
    require_roles,
)
from kairos_platform.http import create_app
from kairos_platform.problems import PROBLEM_CONTENT_TYPE, Problem
from kairos_platform.settings import ServiceSettings
from kairos_platform.tokens_cli import (
    generate_keypair,
    load_private_key,
    main,
    mint_token,
    public_jwks,
)

ISS = "test-issuer"
AUD = "test-aud"
USER = uuid.UUID("7a1c1d0e-9f1e-4c55-8a40-6b2b3b8f0001")


@pytest.fixture(scope="module")
def rsa_pair() -> tuple[bytes, bytes]:
    return generate_keypair("rsa")


@pytest.fixture(scope="module")
def other_rsa_pair() -> tuple[bytes, bytes]:
    return generate_keypair("rsa")


@pytest.fixture(scope="module")
def ed_pair() -> tuple[bytes, bytes]:
    return generate_keypair("ed25519")


def _token(private_pem: bytes, roles: list[str] | None = None, **kw: Any) -> str:
    args: dict[str, Any] = {"sub": USER, "issuer": ISS, "audience": AUD}
    args.update(kw)
    return mint_token(private_pem, roles=roles if roles is not None else ["mentee"], **args)


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/me")
    async def me(user: CurrentUser) -> dict[str, Any]:
        return {"user_id": str(user.user_id), "roles": sorted(user.roles)}

    @router.get("/maybe")
    async def maybe(user: OptionalUser) -> dict[str, Any]:
        return {"user_id": str(user.user_id) if user else None}

    @router.get("/mentor")
    async def mentor(user: MentorOrAdmin) -> dict[str, str]:
        return {"ok": str(user.user_id)}

    @router.get("/admin", dependencies=[Depends(require_roles("admin"))])
    async def admin() -> dict[str, bool]:
        return {"ok": True}

    @router.get("/admin-alias")
    async def admin_alias(user: AdminOnly) -> dict[str, bool]:
        return {"ok": True}

    @router.get("/things/{owner_id}")
    async def thing(
        owner_id: uuid.UUID,
        user: Annotated[Principal, Depends(require_roles("mentee", "mentor", "admin"))],
    ) -> dict[str, bool]:
        ensure_owner(user, owner_id)
        return {"ok": True}

    return router


def _app(verifier: Any) -> FastAPI:
    return create_app(ServiceSettings(), title="auth-test", routers=[_router()], verifier=verifier)


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


def _static_verifier(public_pem: bytes, **kw: Any) -> JWTVerifier:
    return JWTVerifier(StaticKeySource.from_pem(public_pem), issuer=ISS, audience=AUD, **kw)


async def _get(app: FastAPI, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with _client(app) as c:
        return await c.get(path, headers=headers)


def _assert_401(resp: httpx.Response, detail_part: str) -> dict[str, Any]:
    assert resp.status_code == 401, resp.text
    assert resp.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert resp.headers["www-authenticate"].startswith("Bearer")
    body: dict[str, Any] = resp.json()
    assert detail_part in body["detail"]
    return body


# --- verification --------------------------------------------------------------------------


async def test_valid_rs256_token(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    resp = await _get(app, "/me", _token(rsa_pair[0], ["mentor", "admin"]))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"user_id": str(USER), "roles": ["admin", "mentor"]}


async def test_missing_token_is_401_with_challenge(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    body = _assert_401(await _get(app, "/me"), "bearer token is required")
    assert body["type"].endswith("/missing-token")


async def test_optional_user(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    assert (await _get(app, "/maybe")).json() == {"user_id": None}
    assert (await _get(app, "/maybe", _token(rsa_pair[0]))).json() == {"user_id": str(USER)}
    assert (await _get(app, "/maybe", "garbage")).status_code == 401


async def test_malformed_token(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    resp = await _get(app, "/me", "not.a.jwt")
    _assert_401(resp, "malformed")
    assert 'error="invalid_token"' in resp.headers["www-authenticate"]


async def test_expired_token(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    _assert_401(await _get(app, "/me", _token(rsa_pair[0], ttl_s=-120)), "expired")


async def test_expiry_within_leeway_is_accepted(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1], leeway_s=30))
    assert (await _get(app, "/me", _token(rsa_pair[0], ttl_s=-5))).status_code == 200


async def test_not_yet_valid_token(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    future = _token(rsa_pair[0], now=time.time() + 3600)
    _assert_401(await _get(app, "/me", future), "not valid yet")


async def test_forged_token(
    rsa_pair: tuple[bytes, bytes], other_rsa_pair: tuple[bytes, bytes]
) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    forged = _token(other_rsa_pair[0], ["admin"])
    _assert_401(await _get(app, "/me", forged), "signature")


async def test_tampered_payload(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    head, _, sig = _token(rsa_pair[0], ["mentee"]).split(".")
    claims = jwt.decode(_token(rsa_pair[0], ["admin"]), options={"verify_signature": False})
    payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    _assert_401(await _get(app, "/me", f"{head}.{payload}.{sig}"), "signature")


async def test_alg_none_and_hs256_confusion_rejected(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    claims = {"sub": str(USER), "iss": ISS, "aud": AUD, "exp": int(time.time()) + 60}
    unsigned = jwt.encode(claims, key="", algorithm="none")
    _assert_401(await _get(app, "/me", unsigned), "not accepted")
    hmac = jwt.encode(claims, key="a-guessable-shared-secret-of-32-bytes!", algorithm="HS256")
    _assert_401(await _get(app, "/me", hmac), "not accepted")


async def test_wrong_issuer(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    _assert_401(await _get(app, "/me", _token(rsa_pair[0], issuer="evil")), "issued by")


async def test_wrong_audience(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    resp = await _get(app, "/me", _token(rsa_pair[0], audience="other-app"))
    _assert_401(resp, "not meant for this service")


async def test_subject_must_be_a_uuid(rsa_pair: tuple[bytes, bytes]) -> None:
    verifier = _static_verifier(rsa_pair[1])
    now = int(time.time())
    claims = {"sub": "alice", "iss": ISS, "aud": AUD, "exp": now + 60, "roles": []}
    token = jwt.encode(claims, load_private_key(rsa_pair[0]), algorithm="RS256")
    with pytest.raises(InvalidToken, match="subject"):
        await verifier.verify(token)


async def test_missing_exp_rejected(rsa_pair: tuple[bytes, bytes]) -> None:
    key = load_private_key(rsa_pair[0])
    token = jwt.encode({"sub": str(USER), "iss": ISS, "aud": AUD}, key, algorithm="RS256")
    with pytest.raises(InvalidToken, match="exp"):
        await _static_verifier(rsa_pair[1]).verify(token)


async def test_unknown_roles_dropped_and_bad_roles_claim_rejected(
    rsa_pair: tuple[bytes, bytes],
) -> None:
    verifier = _static_verifier(rsa_pair[1])
    principal = await verifier.verify(_token(rsa_pair[0], ["mentee", "superuser"]))
    assert principal.roles == frozenset({"mentee"})
    assert principal.claims["roles"] == ["mentee", "superuser"]
    bad = _token(rsa_pair[0], [], extra_claims={"roles": "admin"})
    with pytest.raises(InvalidToken, match="roles"):
        await verifier.verify(bad)


async def test_eddsa_with_static_key(ed_pair: tuple[bytes, bytes]) -> None:
    verifier = _static_verifier(ed_pair[1])
    token = _token(ed_pair[0], ["mentor"])
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    principal = await verifier.verify(token)
    assert principal.user_id == USER and principal.roles == {"mentor"}


async def test_rs256_token_against_ed25519_key_rejected(
    rsa_pair: tuple[bytes, bytes], ed_pair: tuple[bytes, bytes]
) -> None:
    with pytest.raises(InvalidToken, match="algorithm"):
        await _static_verifier(ed_pair[1]).verify(_token(rsa_pair[0]))


# --- roles and ownership -------------------------------------------------------------------


async def test_wrong_role_is_403(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    resp = await _get(app, "/mentor", _token(rsa_pair[0], ["mentee"]))
    assert resp.status_code == 403
    assert resp.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert "mentor" in resp.json()["detail"]
    assert (await _get(app, "/mentor", _token(rsa_pair[0], ["mentor"]))).status_code == 200
    assert (await _get(app, "/mentor", _token(rsa_pair[0], ["admin"]))).status_code == 200


async def test_roles_on_route_dependencies(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    assert (await _get(app, "/admin", _token(rsa_pair[0], ["mentor"]))).status_code == 403
    assert (await _get(app, "/admin", _token(rsa_pair[0], ["admin"]))).status_code == 200
    assert (await _get(app, "/admin-alias", _token(rsa_pair[0], ["mentee"]))).status_code == 403
    # authentication comes first: no token is a 401, not a 403
    assert (await _get(app, "/admin")).status_code == 401


async def test_ensure_owner_over_http(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    mine = await _get(app, f"/things/{USER}", _token(rsa_pair[0], ["mentee"]))
    assert mine.status_code == 200
    theirs = await _get(app, f"/things/{uuid.uuid4()}", _token(rsa_pair[0], ["mentee"]))
    assert theirs.status_code == 403
    as_admin = await _get(app, f"/things/{uuid.uuid4()}", _token(rsa_pair[0], ["admin"]))
    assert as_admin.status_code == 200


def test_require_roles_rejects_unknown_role_names() -> None:
    with pytest.raises(ValueError):
        require_roles("superuser")
    with pytest.raises(ValueError):
        require_roles()


def test_is_admin_and_ensure_owner() -> None:
    owner = uuid.uuid4()
    mentee = Principal(owner, frozenset({"mentee"}))
    admin = Principal(uuid.uuid4(), frozenset({"admin"}))
    assert is_admin(admin) and not is_admin(mentee)
    ensure_owner(mentee, owner)
    ensure_owner(mentee, str(owner))
    ensure_owner(admin, owner)
    with pytest.raises(Problem) as err:
        ensure_owner(mentee, uuid.uuid4())
    assert err.value.status == 403
    with pytest.raises(Problem):
        ensure_owner(mentee, "not-a-uuid")


# --- wiring --------------------------------------------------------------------------------


class FakeVerifier:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.seen: list[str] = []

    async def verify(self, token: str) -> Principal:
        self.seen.append(token)
        if token != "good":
            raise InvalidToken("The token is invalid.")
        return self.principal

    async def aclose(self) -> None:
        return None


async def test_verifier_can_be_overridden_as_a_dependency(rsa_pair: tuple[bytes, bytes]) -> None:
    app = _app(_static_verifier(rsa_pair[1]))
    fake = FakeVerifier(Principal(USER, frozenset({"mentor"})))
    app.dependency_overrides[get_verifier] = lambda: fake
    assert (await _get(app, "/mentor", "good")).status_code == 200
    assert (await _get(app, "/mentor", "bad")).status_code == 401
    assert fake.seen == ["good", "bad"]


async def test_no_verifier_configured() -> None:
    app = create_app(ServiceSettings(), title="t", routers=[_router()])
    assert app.state.verifier is None
    assert (await _get(app, "/me")).status_code == 401
    resp = await _get(app, "/me", "anything")
    assert resp.status_code == 503
    assert resp.json()["type"].endswith("/auth-unavailable")


def test_build_verifier_from_settings(tmp_path: Path, rsa_pair: tuple[bytes, bytes]) -> None:
    pem = tmp_path / "pub.pem"
    pem.write_bytes(rsa_pair[1])
    v = build_verifier(
        ServiceSettings(JWT_PUBLIC_KEY_FILE=str(pem), JWT_ISSUER="i", JWT_AUDIENCE="a")
    )
    assert v is not None and isinstance(v.keys, StaticKeySource)
    assert (v.issuer, v.audience) == ("i", "a")
    v2 = build_verifier(ServiceSettings(JWKS_URL="http://idp.test/jwks"))
    assert v2 is not None and isinstance(v2.keys, JWKSKeySource)
    assert build_verifier(ServiceSettings(JWKS_URL=None, JWT_PUBLIC_KEY_FILE=None)) is None


# --- JWKS ----------------------------------------------------------------------------------


class JwksServer:
    """An in-process identity provider serving its JWKS over ASGI."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.jwks = jwks
        self.hits = 0
        self.fail = False
        self.app = Starlette(routes=[Route("/.well-known/jwks.json", self.serve)])

    async def serve(self, request: Request) -> Response:
        self.hits += 1
        if self.fail:
            return Response("down", status_code=500)
        return JSONResponse(self.jwks)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _pub(pair: tuple[bytes, bytes]) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(pair[1])


@pytest.fixture
async def idp(rsa_pair: tuple[bytes, bytes]) -> AsyncIterator[JwksServer]:
    yield JwksServer(public_jwks(_pub(rsa_pair)))


def _jwks_verifier(idp: JwksServer, clock: Clock) -> JWTVerifier:
    source = JWKSKeySource(
        "http://idp.test/.well-known/jwks.json",
        client=idp.client(),
        ttl_s=300,
        min_refresh_interval_s=10,
        clock=clock,
    )
    return JWTVerifier(source, issuer=ISS, audience=AUD)


async def test_jwks_fetched_once_and_cached(idp: JwksServer, rsa_pair: tuple[bytes, bytes]) -> None:
    verifier = _jwks_verifier(idp, Clock())
    app = _app(verifier)
    for _ in range(3):
        assert (await _get(app, "/me", _token(rsa_pair[0]))).status_code == 200
    assert idp.hits == 1


async def test_jwks_refetched_on_unknown_kid_after_rotation(
    idp: JwksServer,
    rsa_pair: tuple[bytes, bytes],
    ed_pair: tuple[bytes, bytes],
) -> None:
    clock = Clock()
    verifier = _jwks_verifier(idp, clock)
    await verifier.verify(_token(rsa_pair[0]))
    idp.jwks = public_jwks(_pub(rsa_pair), _pub(ed_pair))  # the IdP adds an EdDSA key
    clock.now += 11
    principal = await verifier.verify(_token(ed_pair[0], ["admin"]))
    assert principal.roles == {"admin"}
    assert idp.hits == 2


async def test_jwks_unknown_kid_refetch_is_throttled(
    idp: JwksServer, rsa_pair: tuple[bytes, bytes], other_rsa_pair: tuple[bytes, bytes]
) -> None:
    clock = Clock()
    verifier = _jwks_verifier(idp, clock)
    await verifier.verify(_token(rsa_pair[0]))
    stranger = _token(other_rsa_pair[0])
    for _ in range(5):
        with pytest.raises(InvalidToken, match="unknown key"):
            await verifier.verify(stranger)
    assert idp.hits == 1  # no refetch storm within the refresh interval
    clock.now += 11
    with pytest.raises(InvalidToken, match="unknown key"):
        await verifier.verify(stranger)
    assert idp.hits == 2


async def test_jwks_refetched_when_ttl_expires(
    idp: JwksServer, rsa_pair: tuple[bytes, bytes]
) -> None:
    clock = Clock()
    verifier = _jwks_verifier(idp, clock)
    await verifier.verify(_token(rsa_pair[0]))
    clock.now += 301
    await verifier.verify(_token(rsa_pair[0]))
    assert idp.hits == 2


async def test_jwks_down_without_cache_is_503(
    idp: JwksServer, rsa_pair: tuple[bytes, bytes]
) -> None:
    idp.fail = True
    verifier = _jwks_verifier(idp, Clock())
    with pytest.raises(KeySourceUnavailable):
        await verifier.verify(_token(rsa_pair[0]))
    resp = await _get(_app(verifier), "/me", _token(rsa_pair[0]))
    assert resp.status_code == 503
    assert resp.headers["content-type"] == PROBLEM_CONTENT_TYPE


async def test_jwks_down_with_stale_cache_keeps_working(
    idp: JwksServer, rsa_pair: tuple[bytes, bytes]
) -> None:
    clock = Clock()
    verifier = _jwks_verifier(idp, clock)
    await verifier.verify(_token(rsa_pair[0]))
    idp.fail = True
    clock.now += 301
    assert (await verifier.verify(_token(rsa_pair[0]))).user_id == USER
    assert idp.hits == 2


# --- the token CLI -------------------------------------------------------------------------


async def test_cli_keygen_mint_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAIROS_DATA_DIR", str(tmp_path))
    assert main(["keygen"]) == 0
    assert (tmp_path / "jwt_private.pem").stat().st_mode & 0o077 == 0
    assert main(["keygen"]) == 1  # refuses to overwrite
    capsys.readouterr()

    user = uuid.uuid4()
    argv = ["mint", "--sub", str(user), "--role", "mentor", "--role", "admin", "--ttl", "600"]
    assert main([*argv, "--issuer", ISS, "--audience", AUD]) == 0
    token = capsys.readouterr().out.strip()

    settings = ServiceSettings(
        JWT_PUBLIC_KEY_FILE=str(tmp_path / "jwt_public.pem"), JWT_ISSUER=ISS, JWT_AUDIENCE=AUD
    )
    verifier = build_verifier(settings)
    assert verifier is not None
    principal = await verifier.verify(token)
    assert principal.user_id == user
    assert principal.roles == {"mentor", "admin"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 600


async def test_cli_jwks_matches_minted_kid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keygen", "--out", str(tmp_path)]) == 0
    key = tmp_path / "jwt_private.pem"
    assert main(["jwks", "--key", str(tmp_path / "jwt_public.pem")]) == 0
    from_public = json.loads(capsys.readouterr().out)
    assert main(["jwks", "--key", str(key)]) == 0
    assert json.loads(capsys.readouterr().out) == from_public
    assert main(["mint", "--sub", str(USER), "--role", "mentee", "--key", str(key),
                 "--issuer", ISS, "--audience", AUD]) == 0  # fmt: skip
    token = capsys.readouterr().out.strip()
    assert jwt.get_unverified_header(token)["kid"] == from_public["keys"][0]["kid"]
    verifier = _jwks_verifier(JwksServer(from_public), Clock())
    assert (await verifier.verify(token)).roles == {"mentee"}


def test_cli_missing_key_and_bad_sub(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nope.pem")
    assert main(["mint", "--sub", str(USER), "--key", missing]) == 2
    assert "keygen" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["mint", "--sub", str(USER), "--role", "superuser"])


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "kairos-token"
    assert script.exists(), "kairos-token is not registered in [project.scripts]"
    env = {"KAIROS_DATA_DIR": str(tmp_path), "PATH": str(script.parent)}
    subprocess.run([str(script), "keygen"], check=True, env=env, capture_output=True)
    out = subprocess.run(
        [str(script), "mint", "--sub", str(USER), "--role", "mentee"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout.strip()
    claims = jwt.decode(out, options={"verify_signature": False})
    assert claims["sub"] == str(USER) and claims["iss"] == "kairos-local"
