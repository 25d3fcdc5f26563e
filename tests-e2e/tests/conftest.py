from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kairos_e2e.client import Gateway
from kairos_localstack.state import StackState


@pytest.fixture(scope="session")
async def gateway(local_stack: StackState) -> AsyncIterator[Gateway]:
    assert local_stack.gateway_url is not None, "the stack came up without its gateway"
    gw = Gateway(
        local_stack.gateway_url, Path(local_stack.data_dir), endpoints=local_stack.endpoints
    )
    yield gw
    await gw.aclose()
