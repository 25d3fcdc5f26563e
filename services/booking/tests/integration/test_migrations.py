"""Migration 0003 on a database that was at 0002 before recurring offerings existed."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text

import kairos_platform.migrations
from kairos_booking.bootstrap import bootstrap
from kairos_platform.settings import ServiceSettings

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


# --- 0008: offerings.reminder_minutes_before --------------------------------------------

REMINDER_COLUMN = """
SELECT data_type, is_nullable, column_default FROM information_schema.columns
 WHERE table_name = 'offerings' AND column_name = 'reminder_minutes_before'
"""


async def _read(service: Any, sql: str) -> list[Any]:
    async with service.engine.begin() as conn:
        return list((await conn.execute(text(sql))).all())


async def test_0008_from_an_empty_database_and_from_one_migrated_before_it(
    make_database: Any,
) -> None:
    """0002 creates ``offerings`` from the live table definition, so on an empty database
    the column is there before 0008 runs; on a database that was at 0007 before the column
    existed it is not. Both reach head, with the same column, and offerings made before it
    get the default (24 h and 1 h)."""
    fresh = bootstrap(ServiceSettings(SERVICE_NAME="booking", DATABASE_URL=make_database("m")))
    fresh_url = fresh.settings.sqlalchemy_url
    for revision in ("0001", "0002", "0007", "head"):  # every step from nothing, then head
        await asyncio.to_thread(
            kairos_platform.migrations.upgrade, fresh.migrations, fresh_url, revision
        )
    [fresh_column] = await _read(fresh, REMINDER_COLUMN)

    old = bootstrap(ServiceSettings(SERVICE_NAME="booking", DATABASE_URL=make_database("m")))
    old_url = old.settings.sqlalchemy_url
    await asyncio.to_thread(kairos_platform.migrations.upgrade, old.migrations, old_url)
    # as a database migrated to 0007 before 0008 existed: no column
    await asyncio.to_thread(kairos_platform.migrations.downgrade, old.migrations, old_url, "0007")
    assert await _read(old, REMINDER_COLUMN) == []
    provider, offering = uuid.uuid4(), uuid.uuid4()
    async with old.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO providers (provider_id, user_id, display_name, time_zone)"
                " VALUES (:p, :u, 'Ada', 'UTC')"
            ),
            {"p": provider, "u": uuid.uuid4()},
        )
        await conn.execute(
            text(
                "INSERT INTO offerings (offering_id, provider_id, title, duration_min,"
                " price_minor, currency, capacity, buffer_before_min, buffer_after_min,"
                " min_notice_min, horizon_days, refund_full_hours_before)"
                " VALUES (:o, :p, 'Old', 60, 0, 'EUR', 1, 0, 0, 0, 60, 24)"
            ),
            {"o": offering, "p": provider},
        )
    await asyncio.to_thread(kairos_platform.migrations.upgrade, old.migrations, old_url)
    [old_column] = await _read(old, REMINDER_COLUMN)
    assert old_column == fresh_column
    assert (old_column.data_type, old_column.is_nullable) == ("jsonb", "NO")
    assert "[1440, 60]" in old_column.column_default
    [kept] = await _read(old, "SELECT reminder_minutes_before FROM offerings")
    assert kept[0] == [1440, 60]
    async with old.uow_factory() as uow:  # and the repository reads it as the domain says
        read = await uow.catalog.get_offering(offering)
    assert read is not None and read.reminder_minutes_before == (1440, 60)
    for service in (fresh, old):
        await service.engine.dispose()
