"""SQL repository for providers, offerings and their hours."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    any_,
    bindparam,
    delete,
    func,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_booking.adapters.orm import date_overrides, offerings, providers, weekly_hours
from kairos_booking.adapters.rows import to_obj, to_row
from kairos_booking.domain.model import (
    Availability,
    DateOverride,
    Minutes,
    Offering,
    OfferingKind,
    OverrideKind,
    Provider,
    WeeklyTime,
)
from kairos_platform.pagination import keyset

# Built once (memoised cache keys): read on every payment and slot query.
_GET_PROVIDER = select(providers).where(providers.c.provider_id == bindparam("provider_id"))
_GET_OFFERING = select(offerings).where(offerings.c.offering_id == bindparam("offering_id"))
_GET_OFFERING_LOCKED = _GET_OFFERING.with_for_update()
_OFFERING_AND_PROVIDER = (
    select(offerings, providers)
    .join_from(
        offerings, providers, providers.c.provider_id == offerings.c.provider_id, isouter=True
    )
    .where(offerings.c.offering_id == bindparam("offering_id"))
)
_OFFERINGS_AND_PROVIDERS = (
    select(offerings, providers)
    .join_from(
        offerings, providers, providers.c.provider_id == offerings.c.provider_id, isouter=True
    )
    .where(
        offerings.c.offering_id == any_(bindparam("offering_ids", type_=ARRAY(UUID(as_uuid=True))))
    )
)


def _hours_columns(
    provider_id: ColumnElement[Any], *, dated: bool
) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The provider's hours as two JSON columns: weekly ranges ``[[weekday, start, end],
    ...]`` in order, and the overrides ``[[day, kind, ranges], ...]`` (``dated``: only
    those from ``:first`` to ``:last``). Read back by ``_hours``."""
    w, d = weekly_hours.c, date_overrides.c
    weekly = select(
        func.jsonb_agg(
            aggregate_order_by(
                func.jsonb_build_array(w.weekday, w.start_min, w.end_min), w.weekday, w.start_min
            )
        )
    ).where(w.provider_id == provider_id)
    overrides = select(func.jsonb_agg(func.jsonb_build_array(d.day, d.kind, d.ranges))).where(
        d.provider_id == provider_id
    )
    if dated:
        overrides = overrides.where(d.day.between(bindparam("first"), bindparam("last")))
    return (
        type_coerce(weekly.scalar_subquery(), JSONB).label("weekly_hours"),
        type_coerce(overrides.scalar_subquery(), JSONB).label("date_overrides"),
    )


# The offering, its provider and the hours of the days asked: one round trip instead of
# three on the slot query and every hold.
_OFFERING_WITH_HOURS = _OFFERING_AND_PROVIDER.add_columns(
    *_hours_columns(offerings.c.provider_id, dated=True)
)
_PROVIDER_HOURS = select(
    *_hours_columns(bindparam("provider_id", type_=UUID(as_uuid=True)), dated=False)
)


class SqlCatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add_provider(self, provider: Provider) -> None:
        await self._s.execute(providers.insert().values(**to_row(provider)))

    async def save_provider(self, provider: Provider) -> None:
        values = to_row(provider)
        await self._s.execute(
            update(providers)
            .where(providers.c.provider_id == provider.provider_id)
            .values(**values)
        )

    async def get_provider(self, provider_id: uuid.UUID) -> Provider | None:
        row = (await self._s.execute(_GET_PROVIDER, {"provider_id": provider_id})).first()
        return to_obj(Provider, row) if row else None

    async def provider_of_user(self, user_id: uuid.UUID) -> Provider | None:
        row = (
            await self._s.execute(select(providers).where(providers.c.user_id == user_id))
        ).first()
        return to_obj(Provider, row) if row else None

    async def list_providers(
        self, limit: int | None = None, after: tuple[str, uuid.UUID] | None = None
    ) -> list[Provider]:
        key = (providers.c.display_name, providers.c.provider_id)
        rows = await self._s.execute(
            select(providers)
            .where(providers.c.active, keyset(key, after))
            .order_by(*key)
            .limit(limit)
        )
        return [to_obj(Provider, r) for r in rows]

    async def lock_provider(self, provider_id: uuid.UUID) -> None:
        """Serialise, until commit, the transactions that open a new occurrence of this
        provider: the overlap check and the seat it guards must not interleave."""
        await self._s.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:p, 0))"),
            {"p": str(provider_id)},
        )

    async def add_offering(self, offering: Offering) -> None:
        await self._s.execute(offerings.insert().values(**_offering_row(offering)))

    async def save_offering(self, offering: Offering) -> None:
        await self._s.execute(
            update(offerings)
            .where(offerings.c.offering_id == offering.offering_id)
            .values(**_offering_row(offering))
        )

    async def get_offering(self, offering_id: uuid.UUID, *, lock: bool = False) -> Offering | None:
        # writers of one offering lock it, so versions grow one by one
        query = _GET_OFFERING_LOCKED if lock else _GET_OFFERING
        row = (await self._s.execute(query, {"offering_id": offering_id})).first()
        return _offering(row) if row else None

    async def offering_and_provider(
        self, offering_id: uuid.UUID
    ) -> tuple[Offering | None, Provider | None]:
        """The offering and its provider in one read (no lock)."""
        row = (await self._s.execute(_OFFERING_AND_PROVIDER, {"offering_id": offering_id})).first()
        if row is None:
            return None, None
        return _offering_and_provider(row)

    async def offering_with_hours(
        self, offering_id: uuid.UUID, first: date, last: date
    ) -> tuple[Offering | None, Provider | None, Availability]:
        """``offering_and_provider`` and the provider's hours, overrides from ``first`` to
        ``last``, in one read."""
        params = {"offering_id": offering_id, "first": first, "last": last}
        row = (await self._s.execute(_OFFERING_WITH_HOURS, params)).first()
        if row is None:
            return None, None, Availability()
        offering, provider = _offering_and_provider(row)
        return offering, provider, _hours(row.weekly_hours, row.date_overrides)

    async def offerings_and_providers(
        self, offering_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[Offering, Provider | None]]:
        """``offering_and_provider`` for many offerings in one read (unknown ones absent)."""
        rows = await self._s.execute(_OFFERINGS_AND_PROVIDERS, {"offering_ids": list(offering_ids)})
        found = [_offering_and_provider(r) for r in rows]
        return {o.offering_id: (o, p) for o, p in found}

    async def list_offerings(
        self,
        provider_id: uuid.UUID | None,
        limit: int | None = None,
        after: tuple[str, uuid.UUID] | None = None,
    ) -> list[Offering]:
        key = (offerings.c.title, offerings.c.offering_id)
        query = select(offerings).where(offerings.c.active, keyset(key, after)).order_by(*key)
        if provider_id is not None:
            query = query.where(offerings.c.provider_id == provider_id)
        return [_offering(r) for r in await self._s.execute(query.limit(limit))]

    async def offerings_of(self, provider_id: uuid.UUID) -> list[Offering]:
        """All the provider's offerings, inactive too, row-locked (to republish them)."""
        query = (
            select(offerings)
            .where(offerings.c.provider_id == provider_id)
            .order_by(offerings.c.offering_id)
            .with_for_update()
        )
        return [_offering(r) for r in await self._s.execute(query)]

    async def availability(self, provider_id: uuid.UUID) -> Availability:
        row = (await self._s.execute(_PROVIDER_HOURS, {"provider_id": provider_id})).one()
        return _hours(row.weekly_hours, row.date_overrides)

    async def set_weekly(
        self, provider_id: uuid.UUID, weekly: dict[int, tuple[Minutes, ...]]
    ) -> None:
        await self._s.execute(delete(weekly_hours).where(weekly_hours.c.provider_id == provider_id))
        rows = [
            {"provider_id": provider_id, "weekday": day, "start_min": m.start, "end_min": m.end}
            for day, ranges in weekly.items()
            for m in ranges
        ]
        if rows:
            await self._s.execute(weekly_hours.insert(), rows)

    async def put_override(self, provider_id: uuid.UUID, override: DateOverride) -> None:
        values = {
            "provider_id": provider_id,
            "day": override.day,
            "kind": str(override.kind),
            "ranges": [[m.start, m.end] for m in override.ranges],
        }
        stmt = insert(date_overrides).values(**values)
        await self._s.execute(
            stmt.on_conflict_do_update(
                index_elements=["provider_id", "day"],
                set_={"kind": stmt.excluded.kind, "ranges": stmt.excluded.ranges},
            )
        )

    async def delete_override(self, provider_id: uuid.UUID, day: date) -> bool:
        result = await self._s.execute(
            delete(date_overrides)
            .where(date_overrides.c.provider_id == provider_id, date_overrides.c.day == day)
            .returning(date_overrides.c.day)
        )
        return result.first() is not None


def _offering_row(offering: Offering) -> dict[str, object]:
    row = to_row(offering)
    row["kind"] = str(offering.kind)
    row["pattern"] = [[e.weekday, e.minute] for e in offering.pattern]
    row["reminder_minutes_before"] = list(offering.reminder_minutes_before)
    return row


def _offering(row: Any) -> Offering:
    offering = to_obj(Offering, row)
    offering.kind = OfferingKind(offering.kind)
    pairs: list[list[int]] = row._mapping["pattern"] or []  # JSON [[weekday, minute], ...]
    offering.pattern = tuple(WeeklyTime(d, m) for d, m in pairs)
    offering.reminder_minutes_before = tuple(offering.reminder_minutes_before)  # JSON list
    return offering


def _offering_and_provider(row: Any) -> tuple[Offering, Provider | None]:
    m = row._mapping  # both tables share column names: read by column object
    offering = _offering(SimpleNamespace(_mapping={c.name: m[c] for c in offerings.c}))
    if m[providers.c.provider_id] is None:
        return offering, None
    provider = SimpleNamespace(_mapping={c.name: m[c] for c in providers.c})
    return offering, to_obj(Provider, provider)


def _hours(weekly_rows: list[list[int]] | None, override_rows: list[Any] | None) -> Availability:
    """The two JSON columns of ``_hours_columns`` -> Availability (ranges in order)."""
    weekly: dict[int, tuple[Minutes, ...]] = {}
    for weekday, start, end in weekly_rows or ():
        weekly[weekday] = (*weekly.get(weekday, ()), Minutes(start, end))
    overrides: dict[date, DateOverride] = {}
    for text_day, kind, ranges in override_rows or ():
        day = date.fromisoformat(text_day)
        overrides[day] = DateOverride(
            day, OverrideKind(kind), tuple(Minutes(a, b) for a, b in ranges)
        )
    return Availability(weekly, overrides)
