"""Retry rules for calendars: backoff per connection and when a connection is broken."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 1.0
    max_s: float = 300.0
    broken_after: int = 8

    def backoff_s(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1, 2, 4, ... capped)."""
        if failures <= 0:
            return 0.0
        return float(min(self.max_s, self.base_s * 2 ** (failures - 1)))

    def is_broken(self, failures: int) -> bool:
        return failures >= self.broken_after
