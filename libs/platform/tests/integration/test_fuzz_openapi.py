"""Schemathesis over every service's OpenAPI, in process, against a real database.

Bounded: ``FUZZ_MAX_EXAMPLES`` (10; 25 takes several minutes) examples per operation with
an admin token, a fifth as many with a mentee token. Asserts no 5xx and that every
status is one the operation documents and every response conforms to its documented
schema (``not_a_server_error``, ``status_code_conformance``,
``response_schema_conformance``). Event streams (``.../stream``) are left out: an open
stream never ends, so there is no response to check.
"""

from __future__ import annotations

import importlib
import os
import uuid
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.openapi import from_asgi
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from kairos_localstack.keys import ensure_jwt_keys
from kairos_localstack.ports import free_port
from kairos_platform.runtime import build_http_app, run_migrations
from kairos_platform.settings import ServiceSettings
from kairos_platform.tokens_cli import mint_token

pytestmark = pytest.mark.integration

SERVICES = {
    "booking": "kairos_booking",
    "payments": "kairos_payments",
    "attendance": "kairos_attendance",
    "calendar-sync": "kairos_calendar_sync",
}
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))


T = TypeVar("T")


def _ok(result: Ok[T] | Err[Any]) -> T:
    """The operation, or schemathesis' error about it raised."""
    if isinstance(result, Err):
        raise result.err()
    return result.ok()


def _fuzzer(op: Any, headers: dict[str, str], examples: int) -> Any:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=op.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(
            headers=headers,
            checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        )

    return run


# Services with a known bug this test finds, and why (none now: it found a Google transport
# error answered 500 instead of 503 in calendar-sync, since fixed).
KNOWN_BUGS: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_BUGS[n], strict=False))
        if n in KNOWN_BUGS
        else n
        for n in sorted(SERVICES)
    ],
)
def test_fuzz_finds_no_5xx_and_no_schema_break(
    name: str, fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Calendar providers the fuzzer's connections would reach: a closed loopback port, so a
    # "dependency down" answer (503) is exercised and nothing leaves the machine.
    closed = f"http://127.0.0.1:{free_port()}/"
    monkeypatch.setenv("GOOGLE_TOKEN_URI", closed + "token")
    monkeypatch.setenv("GOOGLE_API_BASE", closed)
    # Made-up hold and offering ids are waited for (an event may be late) before a 404:
    # a short wait here, or the fuzzer spends a minute waiting.
    monkeypatch.setenv("HOLD_WAIT_S", "0.1")
    monkeypatch.setenv("OFFERING_WAIT_S", "0.1")
    private, public = ensure_jwt_keys(tmp_path)
    conf = ServiceSettings(
        SERVICE_NAME=name,
        DATABASE_URL=fresh_database,
        JWT_PUBLIC_KEY_FILE=str(public),
        LOG_LEVEL="ERROR",
        # No broker: the HTTP process needs none (live updates stay off without one).
        KAFKA_BOOTSTRAP_SERVERS="",
    )
    module: Any = importlib.import_module(f"{SERVICES[name]}.bootstrap")
    service = module.bootstrap(settings=conf)
    run_migrations(service)
    app = build_http_app(service)
    schema = from_asgi("/openapi.json", app)

    def token(role: str) -> dict[str, str]:
        signed = mint_token(
            private.read_bytes(),
            sub=uuid.uuid4(),
            roles=[role],
            issuer=conf.jwt_issuer,
            audience=conf.jwt_audience,
        )
        return {"Authorization": f"Bearer {signed}"}

    failures: list[str] = []
    operations = [
        op for op in map(_ok, schema.get_all_operations()) if not op.path.endswith("/stream")
    ]
    assert operations
    for op in operations:
        for role, examples in (("admin", MAX_EXAMPLES), ("mentee", max(3, MAX_EXAMPLES // 5))):
            headers = token(role)

            run = _fuzzer(op, headers, examples)
            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # collect all, then report
                failures.append(f"{op.method.upper()} {op.path} as {role}: {exc}"[:1500])
    assert not failures, "\n\n".join(failures)
