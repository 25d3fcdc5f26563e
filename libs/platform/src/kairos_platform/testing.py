"""In-memory fakes for unit tests of service handlers (no database, no broker)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from kairos_contracts import Envelope, Event
from kairos_platform.clock import Clock, system_clock

if TYPE_CHECKING:
    from kairos_platform.service import Service
    from kairos_platform.uow import UnitOfWork

E = TypeVar("E", bound=Event)


class FakePingRepository:
    def __init__(self) -> None:
        self.pings: set[uuid.UUID] = set()
        self.pongs: dict[uuid.UUID, set[str]] = {}

    async def add_ping(self, ping_id: uuid.UUID) -> None:
        self.pings.add(ping_id)

    async def add_pong(self, ping_id: uuid.UUID, responder: str) -> None:
        self.pongs.setdefault(ping_id, set()).add(responder)

    async def responders(self, ping_id: uuid.UUID) -> list[str] | None:
        if ping_id not in self.pings:
            return None
        return sorted(self.pongs.get(ping_id, set()))


class FakeUnitOfWork:
    """Records what a handler emitted and whether it committed; keeps an inbox in memory.

    Services subclass it to add their fake repositories next to ``pings``.
    """

    def __init__(self, source: str, clock: Clock = system_clock) -> None:
        self.source = source
        self._clock = clock
        self.cause: Envelope | None = None
        self.pings = FakePingRepository()
        self.inbox: set[tuple[str, uuid.UUID]] = set()
        self.committed: list[Envelope] = []
        self._pending: list[Envelope] = []
        self.commits = 0

    async def __aenter__(self) -> Self:
        self._pending = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pending = []

    def now(self) -> datetime:
        return self._clock()

    def caused_by(self, envelope: Envelope) -> None:
        self.cause = envelope

    def emit(self, event: Event) -> Envelope:
        if self.cause is not None:
            envelope = self.cause.caused(event, source=self.source)
        else:
            envelope = Envelope.wrap(event, source=self.source)
        self._pending.append(envelope)
        return envelope

    def emit_many(
        self, events: Sequence[Event], *, causes: Sequence[Envelope] | None = None
    ) -> None:
        """As ``UnitOfWork.emit_many``: the same events, in order (each caused by its
        envelope in ``causes`` when given)."""
        if causes is None:
            for event in events:
                self.emit(event)
            return
        cause = self.cause
        for event, envelope in zip(events, causes, strict=True):
            self.cause = envelope
            self.emit(event)
        self.cause = cause

    async def claim_inbox(
        self, consumer: str, envelope: Envelope, outcome: str = "handled"
    ) -> bool:
        key = (consumer, envelope.event_id)
        if key in self.inbox:
            return False
        self.inbox.add(key)
        return True

    async def commit(self) -> None:
        self.committed.extend(self._pending)
        self._pending = []
        self.commits += 1

    async def rollback(self) -> None:
        self._pending = []

    def events(self, cls: type[E]) -> list[E]:
        """The committed payloads of type ``cls``, in order."""
        return [e.payload_as(cls) for e in self.committed if e.type == cls.TYPE]


def consumer_timing(service: Service[UnitOfWork]) -> tuple[int, int]:
    """(fetch_max_wait_ms, batch_timeout_ms) of the subscriber the service's consumer
    process runs: what a record waits for at most before the consumer sees it."""
    from kairos_platform.runtime import build_consumer_router

    sub: Any = build_consumer_router(service).subscribers[0]
    return sub._connection_args["fetch_max_wait_ms"], sub.batch_timeout_ms
