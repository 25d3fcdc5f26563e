"""The real platform through the local_stack fixture: every service ready via the gateway."""

import httpx
import pytest

from kairos_localstack.services import SERVICES
from kairos_localstack.state import StackState

pytestmark = pytest.mark.e2e


def test_every_service_is_ready_through_the_gateway(local_stack: StackState) -> None:
    assert local_stack.gateway_url is not None
    for svc in SERVICES:
        resp = httpx.get(f"{local_stack.gateway_url}{svc.prefix}health/ready", timeout=10)
        assert resp.status_code == 200, (svc.name, resp.text)
    # Exact prefixes only: a longer first segment is not routed anywhere.
    assert httpx.get(f"{local_stack.gateway_url}/api/bookingX/health/ready").status_code == 404
    assert all(p.alive for p in local_stack.processes)
