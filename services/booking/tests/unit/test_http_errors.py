"""How a request's unit of work answers a constraint the database refused: only a lost
unique race is a "concurrent change" (409); anything else is refused input (422), never
a 409 that sends the client into retries, nor a 500."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from kairos_booking.entrypoints.errors import unit_of_work
from kairos_platform.problems import Problem


class _DriverError(Exception):
    """What SQLAlchemy's asyncpg dialect puts in ``IntegrityError.orig``."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"constraint refused ({sqlstate})")
        self.sqlstate = self.pgcode = sqlstate


def _refusing(sqlstate: str) -> Any:
    @contextlib.asynccontextmanager
    async def uow_factory() -> AsyncIterator[None]:
        yield None
        raise IntegrityError("UPDATE ...", {}, _DriverError(sqlstate))  # at commit

    return uow_factory


async def _answer(sqlstate: str) -> Problem:
    with pytest.raises(Problem) as caught:
        async with unit_of_work(_refusing(sqlstate)):
            pass
    return caught.value


@pytest.mark.parametrize("sqlstate", ["23505", "23P01"])  # unique, exclusion
async def test_a_lost_unique_race_is_a_conflict(sqlstate: str) -> None:
    problem = await _answer(sqlstate)
    assert (problem.status, problem.slug) == (409, "conflict")
    assert "concurrent change" in (problem.detail or "")


@pytest.mark.parametrize("sqlstate", ["23502", "23503", "23514"])  # not null, reference, check
async def test_any_other_refused_constraint_is_refused_input_not_a_conflict(
    sqlstate: str,
) -> None:
    problem = await _answer(sqlstate)
    assert problem.status == 422
    assert "concurrent" not in (problem.detail or "")
