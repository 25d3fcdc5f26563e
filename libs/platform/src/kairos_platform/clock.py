"""The one clock every service reads: injected, never the wall clock read in place.

``bootstrap`` hands a :data:`Clock` to ``assemble(clock=...)``; each unit of work carries
it and handlers read ``uow.now()`` (domain code gets ``now`` passed in). Production uses
:func:`system_clock`; tests pin their own; :class:`OffsetClock` moves a clock ahead (a demo
or the end-to-end suite seeing booked sessions as started, like Stripe's test clocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
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


@dataclass
class FileOffsetClock:
    """``base`` moved ahead by the seconds written in ``path`` (missing or empty: none),
    read again whenever the file changes: a test or a demo moves a running service's clock
    by writing a number, as it would move a Stripe test clock."""

    base: Clock
    path: Path
    _seen: tuple[float, float] = (-1.0, 0.0)  # (mtime, offset)

    def __call__(self) -> datetime:
        return self.base() + timedelta(seconds=self._offset_s())

    def _offset_s(self) -> float:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return 0.0
        if mtime != self._seen[0]:
            text = self.path.read_text().strip()
            self._seen = (mtime, float(text) if text else 0.0)
        return self._seen[1]


def movable_clock(base: Clock, offset_s: float, offset_file: str | None) -> Clock:
    """``base`` moved ``offset_s`` ahead, and further by ``offset_file``'s seconds if given."""
    clock = offset_clock(base, offset_s)
    return FileOffsetClock(clock, Path(offset_file)) if offset_file else clock
