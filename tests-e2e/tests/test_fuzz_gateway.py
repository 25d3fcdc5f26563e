"""Schemathesis over the merged OpenAPI (clients/openapi.json, the contract frontends are
generated from) against the whole stack through the gateway: no 5xx but the documented
503s, no status an operation does not document, every answer conforming to its schema.
Seeded (printed; KAIROS_FUZZ_SEED=N replays it); a few examples per operation and role."""

from __future__ import annotations

import os
import random
import uuid
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from kairos_e2e.client import Gateway
from kairos_localstack.api_document import merged_document

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("KAIROS_FUZZ_EXAMPLES", "3"))


T = TypeVar("T")


def _ok(result: Ok[T] | Err[Any]) -> T:
    """The operation, or schemathesis' error about it raised."""
    if isinstance(result, Err):
        raise result.err()
    return result.ok()


def _fuzzer(op: Any, base_url: str, headers: dict[str, str], seed_value: int) -> Any:
    @seed(seed_value)
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=op.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(
            base_url=base_url,
            headers=headers,
            checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        )

    return run


def test_the_gateway_answers_as_the_merged_document_says(gateway: Gateway) -> None:
    seed_value = int(os.environ.get("KAIROS_FUZZ_SEED") or random.randrange(2**32))
    print(f"fuzz seed: {seed_value} (KAIROS_FUZZ_SEED={seed_value} to replay)")
    schema = from_dict(merged_document())
    operations = [
        op
        for op in map(_ok, schema.get_all_operations())
        if not op.path.endswith("/stream") and "webhooks" not in op.path
    ]
    assert len(operations) > 50
    roles = {r: {"Authorization": f"Bearer {gateway.token(r, user_id=uuid.uuid4())}"}
             for r in ("admin", "mentee", "mentor")}  # fmt: skip
    failures: list[str] = []
    for op in operations:
        for role, headers in roles.items():
            try:
                _fuzzer(op, gateway.base_url, headers, seed_value)()
            except (Exception, BaseExceptionGroup) as exc:  # collect all, then report
                failures.append(f"{op.method.upper()} {op.path} as {role}: {exc}"[:1500])
    assert not failures, f"seed {seed_value}:\n\n" + "\n\n".join(failures)
