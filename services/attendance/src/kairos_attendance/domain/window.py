"""The join window: when a mentee's join counts as attendance. Pure; ``now`` is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class JoinRefusal(StrEnum):
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class JoinWindow:
    """Joining counts from ``before`` ahead of the start to ``after`` past it."""

    before: timedelta = timedelta(minutes=10)
    after: timedelta = timedelta(minutes=15)

    def opens_at(self, starts_at: datetime) -> datetime:
        return starts_at - self.before

    def closes_at(self, starts_at: datetime) -> datetime:
        return starts_at + self.after

    def refusal(self, starts_at: datetime, now: datetime, *, cancelled: bool) -> JoinRefusal | None:
        """Why a join at ``now`` does not count (None: it does). Both ends are inclusive."""
        if cancelled:
            return JoinRefusal.CANCELLED
        if now < self.opens_at(starts_at):
            return JoinRefusal.TOO_EARLY
        if now > self.closes_at(starts_at):
            return JoinRefusal.TOO_LATE
        return None
