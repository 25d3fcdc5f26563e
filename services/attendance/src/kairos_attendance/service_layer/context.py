"""What routes and jobs share: the unit of work, the settings and the clock.

The clock is injected (tests pin it); no code below the entrypoints reads the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from kairos_attendance.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_attendance.settings import AttendanceSettings

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    uow_factory: Callable[[], ServiceUnitOfWork]
    settings: AttendanceSettings
    clock: Clock = wall_clock
