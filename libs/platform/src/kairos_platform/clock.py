"""The one clock every service reads: injected, never the wall clock read in place.

``bootstrap`` hands a :data:`Clock` to ``assemble(clock=...)``; each unit of work carries
it and handlers read ``uow.now()`` (domain code gets ``now`` passed in). Production uses
:func:`system_clock`; tests pin their own; :class:`OffsetClock` moves a clock ahead (a demo
or the end-to-end suite seeing booked sessions as started, like Stripe's test clocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Answers the current time, timezone-aware (UTC)."""

    def __call__(self) -> datetime: ...


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OffsetClock:
    """``base`` moved ``offset`` ahead."""

    base: Clock
    offset: timedelta

    def __call__(self) -> datetime:
        return self.base() + self.offset


def offset_clock(base: Clock, offset_s: float) -> Clock:
    """``base`` moved ``offset_s`` seconds ahead; ``base`` itself when there is no offset."""
    if not offset_s:
        return base
    return OffsetClock(base, timedelta(seconds=offset_s))
