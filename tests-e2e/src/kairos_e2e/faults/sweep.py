"""calendar-sync's clock in a fault run: swept through the coming days while the load runs,
so the sessions the workload books reach their 24-hour and 1-hour reminders (and some
are cancelled or moved around them) while the faults happen.

calendar-sync reads the seconds it runs ahead from a file (CALENDAR_SYNC_CLOCK_OFFSET_FILE,
re-read when it changes); the sweep rewrites it (atomically: a reader never sees it empty)
so that calendar-sync's "now" runs ``1 + rate`` times as fast as the wall clock from the
load's start until its end, then at the wall clock's pace again, that far ahead. Nothing
else moves: booking, payments and attendance (ATTENDANCE_CLOCK_OFFSET_S) keep their own.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: how often the offset file is rewritten while the clock sweeps
STEP_S = 0.5


@dataclass
class ReminderSweep:
    path: Path
    #: seconds calendar-sync's clock gains per wall-clock second while sweeping
    rate: float = 0.0
    #: wall-clock (epoch) seconds the sweep began and ends (None: not begun)
    t0: float | None = None
    t1: float | None = None

    def write(self, offset_s: float) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(f"{offset_s:.3f}")
        os.replace(tmp, self.path)

    def offset_s(self, at: float | None = None) -> float:
        """How far ahead calendar-sync's clock is at wall time ``at`` (now)."""
        if self.t0 is None or self.t1 is None:
            return 0.0
        at = time.time() if at is None else at
        return self.rate * (min(max(at, self.t0), self.t1) - self.t0)

    def now(self) -> datetime:
        """calendar-sync's "now" (within a step)."""
        at = time.time()
        return datetime.fromtimestamp(at + self.offset_s(at), UTC)

    def wall_at(self, when: datetime) -> float | None:
        """The wall-clock (epoch) time calendar-sync's clock reads ``when`` during the
        sweep; None when that is not within it."""
        if self.t0 is None or self.t1 is None:
            return None
        at = self.t0 + (when.timestamp() - self.t0) / (1 + self.rate)
        return at if self.t0 <= at <= self.t1 else None

    def start(self, seconds: float, reach: datetime) -> None:
        """Sweep for ``seconds`` from now, so that calendar-sync's clock then reads
        ``reach`` (plus the sweep's own seconds)."""
        self.t0 = time.time()
        self.t1 = self.t0 + seconds
        self.rate = max(0.0, (reach.timestamp() - self.t0) / seconds)

    async def run(self) -> None:
        """Rewrite the file until the sweep's end (then once more, at its final offset)."""
        assert self.t1 is not None
        while time.time() < self.t1:
            self.write(self.offset_s())
            await asyncio.sleep(STEP_S)  # the clock's step
        self.write(self.offset_s(self.t1))

    def describe(self) -> str:
        ahead = timedelta(seconds=round(self.offset_s(self.t1 or time.time())))
        return f"calendar-sync's clock swept {ahead} ahead ({1 + self.rate:.0f}x the wall clock)"
