"""The model-based test of the money paths, bounded for the suite (a few short random
sequences; the seed is printed and reused with KAIROS_MONEY_SEED=N). Longer runs:
``uv run python -m kairos_e2e.money_model --steps 5000``."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kairos_e2e.market import slots_day, weekly_pattern
from kairos_e2e.money_model import Stack, run

pytestmark = pytest.mark.e2e


def test_money_told_is_money_moved(local_stack: Any) -> None:
    seed_value = int(os.environ.get("KAIROS_MONEY_SEED") or random.randrange(2**32))
    print(f"money model seed: {seed_value} (KAIROS_MONEY_SEED={seed_value} to replay)")
    endpoints = local_stack.endpoints
    stack = Stack(
        local_stack.gateway_url,
        endpoints["stripe_api_base"],
        endpoints["stripe_api_key"],
        (Path(local_stack.data_dir) / "jwt_private.pem").read_bytes(),
    )
    try:
        run(stack, sequences=3, steps=40, seed_value=seed_value)
    except BaseException as exc:
        exc.add_note(f"money model seed {seed_value}; stats {dict(stack.stats)}")
        raise
    print(f"money model: {dict(stack.stats)}")
    assert (stack.stats["sequences"], stack.stats["steps"]) == (3, 120)


def test_the_one_time_slots_are_never_on_a_programme_day() -> None:
    """The model's one-time offering and programme share a provider: a slot on a programme
    day can be taken by a session (0 free without a booking or hold of its own). At every
    hour of a week (from 23:00 to 24:00 UTC the UTC date was a day behind Madrid's)."""
    week = datetime(2026, 12, 7, tzinfo=UTC)
    for hours in range(7 * 24):
        now = week + timedelta(hours=hours, minutes=30)
        weekdays = {entry["weekday"] for entry in weekly_pattern(now)}
        assert slots_day(now).weekday() not in weekdays, now
