"""Migration 0003 on a database that was at 0002 before recurring offerings existed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import kairos_platform.migrations

pytestmark = pytest.mark.integration


async def test_0003_downgrades_and_upgrades_again(api: Any) -> None:
    url = api.service.settings.sqlalchemy_url
    where = api.service.migrations
    await asyncio.to_thread(kairos_platform.migrations.downgrade, where, url, "0002")
    columns = await api.rows(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'bookings'"
    )
    assert "local_date" not in {c.column_name for c in columns}
    await asyncio.to_thread(kairos_platform.migrations.upgrade, where, url)
    indexes = await api.rows("SELECT indexname FROM pg_indexes WHERE tablename = 'bookings'")
    names = {i.indexname for i in indexes}
    assert {"ux_bookings_one_per_payment", "ux_bookings_session_per_day"} <= names
    assert await api.count("enrollments") == 0
