from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kairos_e2e.client import Gateway


@pytest.fixture(scope="session")
async def gateway(local_stack) -> AsyncIterator[Gateway]:  # type: ignore[no-untyped-def]
    gw = Gateway(
        local_stack.gateway_url, Path(local_stack.data_dir), endpoints=local_stack.endpoints
    )
    yield gw
    await gw.aclose()
