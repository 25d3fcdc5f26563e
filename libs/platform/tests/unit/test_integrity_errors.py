"""How any service answers a constraint the database refused: only a lost unique race is a
"concurrent change" (409); anything else is refused input (422), never a 409 that sends
the client into retries, nor a 500. (It was a 409 for a NOT NULL violation.)"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from kairos_platform.http import create_app
from kairos_platform.settings import ServiceSettings


class _DriverError(Exception):
    """What SQLAlchemy's asyncpg dialect puts in ``IntegrityError.orig``."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"constraint refused ({sqlstate})")
        self.sqlstate = self.pgcode = sqlstate


class _NoVerifier:
    async def verify(self, token: str) -> Any:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


def _answer(sqlstate: str) -> Any:
    router = APIRouter()

    @router.post("/x")
    async def refused() -> None:
        raise IntegrityError("UPDATE ...", {}, _DriverError(sqlstate))  # at commit

    app = create_app(
        ServiceSettings(SERVICE_NAME="t"), title="t", routers=[router], verifier=_NoVerifier()
    )
    return TestClient(app).post("/x")


@pytest.mark.parametrize("sqlstate", ["23505", "23P01"])  # unique, exclusion
def test_a_lost_unique_race_is_a_conflict(sqlstate: str) -> None:
    answer = _answer(sqlstate)
    assert answer.status_code == 409 and answer.json()["type"].endswith("/conflict")
    assert "concurrent change" in answer.json()["detail"]


@pytest.mark.parametrize("sqlstate", ["23502", "23503", "23514"])  # not null, reference, check
def test_any_other_refused_constraint_is_refused_input_not_a_conflict(sqlstate: str) -> None:
    answer = _answer(sqlstate)
    assert answer.status_code == 422 and answer.json()["type"].endswith("/unstorable")
