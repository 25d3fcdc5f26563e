"""What routes and jobs share: the unit of work, the settings and the clock.

The clock is injected (tests pin it); no code below the entrypoints reads the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kairos_attendance.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_attendance.settings import AttendanceSettings

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


def shifted(clock: Clock, offset_s: float) -> Clock:
    """``clock`` moved ``offset_s`` seconds ahead (ATTENDANCE_CLOCK_OFFSET_S)."""
    if not offset_s:
        return clock
    offset = timedelta(seconds=offset_s)
    return lambda: clock() + offset


@dataclass
class Context:
    uow_factory: Callable[[], ServiceUnitOfWork]
    settings: AttendanceSettings
    clock: Clock = wall_clock
