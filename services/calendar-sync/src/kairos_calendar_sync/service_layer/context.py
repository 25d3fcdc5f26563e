"""What the jobs and commands share: the unit of work, calendar clients, sealed secrets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kairos_calendar_sync.domain.rules import RetryPolicy
from kairos_calendar_sync.service_layer.calendars import ClientFactory
from kairos_calendar_sync.service_layer.unit_of_work import ServiceUnitOfWork


class Box(Protocol):
    def seal(self, secret: dict[str, Any]) -> bytes: ...

    def open(self, sealed: bytes) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Context:
    uow_factory: Callable[[], ServiceUnitOfWork]
    clients: ClientFactory
    box: Box
    policy: RetryPolicy
    batch_size: int = 50
    lease_s: float = 60.0
