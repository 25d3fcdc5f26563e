"""SQL repository for seats: one ``slot_seats`` row per occurrence, moved by conditional
UPDATEs so that concurrent takers serialise on the row and never exceed capacity."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import (
    and_,
    bindparam,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from kairos_booking.adapters.orm import holds, slot_seats
from kairos_booking.domain.model import Occupied, Occurrence


def _at(offering_id: uuid.UUID, starts_at: datetime) -> ColumnElement[bool]:
    return and_(slot_seats.c.offering_id == offering_id, slot_seats.c.starts_at == starts_at)


# The seat UPDATE of every hold and payment, built once (memoised cache key).
_TAKE_IF_OPEN = (
    update(slot_seats)
    .where(
        slot_seats.c.offering_id == bindparam("s_offering"),
        slot_seats.c.starts_at == bindparam("s_at"),
        slot_seats.c.taken > 0,
        slot_seats.c.taken < bindparam("s_capacity"),
    )
    .values(taken=slot_seats.c.taken + 1)
    .returning(slot_seats.c.taken)
)


# Set-based (the PaymentVerified batch handler): the rows of many occurrences locked in
# (offering, start) order, each with whether a held hold past expiry could give a seat back.
_LOCK_MANY = text(
    """
    SELECT s.offering_id, s.starts_at, s.taken,
           EXISTS (SELECT 1 FROM holds h
                   WHERE h.offering_id = s.offering_id AND h.starts_at = s.starts_at
                     AND h.status = 'held' AND h.expires_at <= :now) AS due
    FROM slot_seats s
    JOIN unnest(CAST(:offering_ids AS uuid[]), CAST(:starts AS timestamptz[])) AS u(o, t)
      ON s.offering_id = u.o AND s.starts_at = u.t
    ORDER BY s.offering_id, s.starts_at
    FOR UPDATE OF s
    """
)
_TAKE_MANY = text(
    """
    UPDATE slot_seats s SET taken = s.taken + u.n
    FROM unnest(CAST(:offering_ids AS uuid[]), CAST(:starts AS timestamptz[]),
                CAST(:ns AS integer[]), CAST(:capacities AS integer[])) AS u(o, t, n, c)
    WHERE s.offering_id = u.o AND s.starts_at = u.t AND s.taken > 0 AND s.taken + u.n <= u.c
    RETURNING s.offering_id
    """
)


# Occupied occurrences of a provider ($1) meeting [$2, $3), with their holds past expiry
# at $4. Overdue holds are few (the sweeper ends them): aggregated once for the provider
# (partial index ix_holds_due) and LEFT JOINed, rather than probed per occurrence.
#
# Run on the driver's connection, not through SQLAlchemy: the slot query reads one row per
# occupied occurrence (720 for 30 busy days) and the result layer's rows cost more than
# the query. The block comes back as two offsets from the start in microseconds, not as
# two more timestamps: asyncpg decodes an integer far faster than a timestamptz
# (bench/README.md).
_OCCUPIED = """
SELECT s.offering_id, s.starts_at,
       CAST(extract(epoch FROM s.block_start - s.starts_at) * 1000000 AS bigint),
       CAST(extract(epoch FROM s.block_end - s.starts_at) * 1000000 AS bigint),
       s.taken, coalesce(due.n, 0)
FROM slot_seats s
LEFT JOIN (
    SELECT h.offering_id, h.starts_at, count(*) AS n FROM holds h
    WHERE h.status = 'held' AND h.expires_at <= $4 AND h.provider_id = $1
    GROUP BY h.offering_id, h.starts_at
) due ON due.offering_id = s.offering_id AND due.starts_at = s.starts_at
WHERE s.provider_id = $1 AND s.taken > 0 AND s.block_start < $3 AND s.block_end > $2
"""


@lru_cache(maxsize=1024)
def _offset(microseconds: int) -> timedelta:
    """The few distinct block offsets (buffers, durations), each made once."""
    return timedelta(microseconds=microseconds)


class SqlSeatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def take_if_open(self, offering_id: uuid.UUID, at: datetime, capacity: int) -> bool:
        """Take a seat in an occurrence that is already occupied (its overlap check was
        done by whoever opened it); the fast path needing no provider lock."""
        params = {"s_offering": offering_id, "s_at": at, "s_capacity": capacity}
        return (await self._s.execute(_TAKE_IF_OPEN, params)).first() is not None

    async def full_with_nothing_due(
        self, offering_id: uuid.UUID, at: datetime, capacity: int, now: datetime
    ) -> bool:
        """Lock the occurrence's row (the lock every seat UPDATE takes) and say whether it
        is full with no held hold past expiry whose seat could be given back. True is final
        until this transaction ends: nobody frees or takes a seat without that row lock.

        False gives the row lock back (the read runs in a savepoint, rolled back): the
        caller goes on to the provider's lock, and a seat row must never be held while
        waiting for it (the opener holding the provider's lock may be waiting for this very
        row: 40P01; tests/integration/test_seat_lock_order.py)."""
        h = holds.c
        due = (
            select(h.hold_id)
            .where(
                h.offering_id == offering_id,
                h.starts_at == at,
                h.status == "held",
                h.expires_at <= now,
            )
            .exists()
        )
        stmt = (
            select(slot_seats.c.taken, due)
            .where(_at(offering_id, at))
            .with_for_update(of=slot_seats)
        )
        savepoint = await self._s.begin_nested()
        row = (await self._s.execute(stmt)).first()
        final = row is not None and 0 < capacity <= row[0] and not row[1]
        if final:
            await savepoint.commit()  # RELEASE: the lock stays, until the transaction ends
        else:
            await savepoint.rollback()  # the row lock taken since the savepoint goes with it
        return final

    async def ensure(self, occ: Occurrence) -> None:
        stmt = insert(slot_seats).values(
            offering_id=occ.offering_id,
            starts_at=occ.starts_at,
            provider_id=occ.provider_id,
            ends_at=occ.ends_at,
            block_start=occ.block_start,
            block_end=occ.block_end,
            taken=0,
        )
        await self._s.execute(stmt.on_conflict_do_nothing())

    async def clashes(self, occ: Occurrence) -> bool:
        """Whether another occupied occurrence of the provider overlaps this one's block."""
        c = slot_seats.c
        stmt = select(c.offering_id).where(
            c.provider_id == occ.provider_id,
            c.taken > 0,
            c.block_start < occ.block_end,
            c.block_end > occ.block_start,
            ~_at(occ.offering_id, occ.starts_at),
        )
        return (await self._s.execute(stmt.limit(1))).first() is not None

    async def take(self, offering_id: uuid.UUID, at: datetime, capacity: int) -> bool:
        stmt = (
            update(slot_seats)
            .where(_at(offering_id, at), slot_seats.c.taken < capacity)
            .values(taken=slot_seats.c.taken + 1)
            .returning(slot_seats.c.taken)
        )
        return (await self._s.execute(stmt)).first() is not None

    async def free(self, offering_id: uuid.UUID, at: datetime) -> None:
        await self._s.execute(
            update(slot_seats)
            .where(_at(offering_id, at), slot_seats.c.taken > 0)
            .values(taken=slot_seats.c.taken - 1)
        )

    async def lock_many(
        self, slots: Sequence[tuple[uuid.UUID, datetime]], now: datetime
    ) -> dict[tuple[uuid.UUID, datetime], tuple[int, bool]]:
        """Lock the rows of ``slots`` (in (offering, start) order, the order every batch
        takes them) and read them: (taken, some held hold past expiry). Absent: no row.
        Final until this transaction ends, as ``full_with_nothing_due``."""
        params = {
            "now": now,
            "offering_ids": [o for o, _ in slots],
            "starts": [t for _, t in slots],
        }
        rows = await self._s.execute(_LOCK_MANY, params)
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}

    async def take_many(self, takes: Sequence[tuple[uuid.UUID, datetime, int, int]]) -> int:
        """Take n seats in each (offering, start, n, capacity) already occupied, if they
        fit; how many occurrences got theirs (all of them under ``lock_many``'s locks)."""
        params = {
            "offering_ids": [t[0] for t in takes],
            "starts": [t[1] for t in takes],
            "ns": [t[2] for t in takes],
            "capacities": [t[3] for t in takes],
        }
        return len((await self._s.execute(_TAKE_MANY, params)).all())

    async def occupied(
        self, provider_id: uuid.UUID, start: datetime, end: datetime, now: datetime
    ) -> list[Occupied]:
        """Occupied occurrences of the provider whose block meets ``[start, end)``, with
        how many of their seats are held by holds already past expiry (not live)."""
        connection = await (await self._s.connection()).get_raw_connection()
        driver = connection.driver_connection  # asyncpg's, in this session's transaction
        assert driver is not None
        rows = await driver.fetch(_OCCUPIED, provider_id, start, end, now)
        return [
            Occupied(r[0], r[1], r[1] + _offset(r[2]), r[1] + _offset(r[3]), r[4], r[5])
            for r in rows
        ]
