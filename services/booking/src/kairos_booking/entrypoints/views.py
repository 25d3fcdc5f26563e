"""The slot query's answer, written by hand (the other answers are pydantic models:
entrypoints/models.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import orjson

from kairos_booking.domain.slots import Slot


def slots_json(offering_id: str, time_zone: str, found: list[Slot], zone: ZoneInfo) -> bytes:
    """The slot query's answer as JSON bytes, ``{"offering_id", "time_zone", "slots":
    [{"starts_at", "ends_at", "local_start", "capacity", "free"}, ...]}``.

    Written by hand from cached pieces rather than as dicts through an encoder: a 30-day
    answer holds hundreds of slots, the same slots are listed again and again with only
    ``free`` changing, and encoding them anew was the slowest way (bench/README.md)."""
    head = orjson.dumps({"offering_id": offering_id, "time_zone": time_zone})[:-1]
    body = b",".join(
        [
            b'%s,"free":%d}' % (_slot_head(s.starts_at, s.ends_at, s.capacity, zone), s.free)
            for s in found
        ]
    )
    return b'%s,"slots":[%s]}' % (head, body)


@lru_cache(maxsize=1 << 16)
def _slot_head(starts_at: datetime, ends_at: datetime, capacity: int, zone: ZoneInfo) -> bytes:
    """A slot's JSON object up to ``free``. Equal instants hash alike whatever their
    offset, so the text is made from UTC (slots are UTC anyway)."""
    start, end = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    head = {
        "starts_at": start.isoformat(),
        "ends_at": end.isoformat(),
        "local_start": start.astimezone(zone).isoformat(),
        "capacity": capacity,
    }
    return orjson.dumps(head)[:-1]
