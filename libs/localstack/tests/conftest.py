"""Fixtures of the local stack's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from kairos_localstack.services import ServiceSpec

#: set, the stack uses these instead of starting its own; unset, it starts them
EXTERNALS = (
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "STRIPE_API_BASE",
    "CALDAV_URL",
    "SMTP_HOST",
)
#: a stand-in service module (HTTP, consumer and relay roles) launched as a real one is
FAKE_DIR = Path(__file__).parent / "fakesvc"


@pytest.fixture
def no_externals(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stack up in this test starts all of its own servers."""
    for var in EXTERNALS:
        monkeypatch.delenv(var, raising=False)


def stand_in_booking(database: str = "kairos_booking") -> ServiceSpec:
    """Booking's place in the stack, run by the stand-in module."""
    return ServiceSpec(
        "booking",
        "fake_kairos_svc",
        database,
        "/api/booking/",
        extra_env={"PYTHONPATH": str(FAKE_DIR)},
    )
