"""A unit of work for a route that does not take ``deps.Uow`` yet (live_routes): refusals
and database errors are answered by the platform (kairos_platform.problems)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any


@contextlib.asynccontextmanager
async def unit_of_work(uow_factory: Callable[[], Any]) -> AsyncIterator[Any]:
    async with uow_factory() as uow:
        yield uow
