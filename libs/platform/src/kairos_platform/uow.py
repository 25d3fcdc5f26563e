"""The unit of work: one business transaction and the events it causes, atomically.

Handlers never publish. They call ``uow.emit(event)``; on ``commit`` the events are written
to the outbox in the same transaction as the state change, and a relay publishes them
after. If the transaction fails, neither the change nor its events exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kairos_contracts import Envelope, Event
from kairos_platform.clock import Clock, system_clock
from kairos_platform.logging import (
    current_correlation_uuid,
    current_trace_context,
    span_trace_context,
)
from kairos_platform.messaging import inbox, outbox
from kairos_platform.messaging.tables import MessagingTables


class UnitOfWorkPort(Protocol):
    """What every service layer needs of a unit of work, SQL or fake: a transaction with a
    clock, the events it causes and its end. Each service's ``service_layer/ports.py``
    extends it with its repositories (read-only properties: a plain attribute of a
    Protocol is invariant, so narrower repositories, the SQL ones or fakes, would not match)."""

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def now(self) -> datetime: ...
    def caused_by(self, envelope: Envelope) -> None: ...
    def emit(self, event: Event) -> Envelope: ...
    def emit_many(
        self, events: Sequence[Event], *, causes: Sequence[Envelope] | None = None
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWork:
    """SQL unit of work. Services subclass it and add repositories in ``_open``."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        source: str,
        clock: Clock = system_clock,
    ) -> None:
        self._session_factory = session_factory
        self.tables = tables
        self.source = source
        self._clock = clock
        self.cause: Envelope | None = None
        self.correlation_id: uuid.UUID | None = None
        # what was emitted, in order: envelopes (emit) and ready rows (emit_many)
        self._pending: list[Envelope | outbox.JsonRow] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self._pending = []
        self._open(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.rollback()
        finally:
            await self.session.close()
            self._session = None

    def _open(self, session: AsyncSession) -> None:
        """Hook for subclasses: build repositories on the session."""

    def now(self) -> datetime:
        """The service's clock (``assemble(clock=...)``): what handlers read as now."""
        return self._clock()

    def caused_by(self, envelope: Envelope) -> None:
        """Events emitted from now on are caused by ``envelope`` (same correlation id)."""
        self.cause = envelope

    def emit(self, event: Event) -> Envelope:
        """Emit one event: it is written to the outbox on commit."""
        if self.cause is not None:
            envelope = self.cause.caused(event, source=self.source)
            # tracing on: the next hop is a child of the consumer span running this handler
            span = span_trace_context()
            if span is not None:
                envelope = envelope.model_copy(update={"trace": span})
        else:
            # Started by a request: the event carries the request's correlation and trace.
            envelope = Envelope.wrap(
                event,
                source=self.source,
                correlation_id=self.correlation_id or current_correlation_uuid(),
                trace=current_trace_context(),
            )
        self._pending.append(envelope)
        return envelope

    def emit_many(
        self, events: Sequence[Event], *, causes: Sequence[Envelope] | None = None
    ) -> None:
        """Emit many events at once (batch jobs): on commit they are written, in order with
        the others, as the rows ``emit`` would write for each (same envelope context), but
        without an ``Envelope`` model per event and in one statement (outbox.EnvelopeWriter).
        They are not listed in ``pending``.

        ``causes`` (one envelope per event; a batch handler's records): each event is
        written as ``caused_by(cause); emit(event)`` would write it (that record's
        correlation and trace, caused by it)."""
        if not events:
            return
        if causes is not None:
            writer = outbox.EnvelopeWriter(source=self.source)
            self._pending.extend(writer.rows(events, causes))
            return
        if self.cause is not None:
            writer = outbox.EnvelopeWriter(
                source=self.source,
                correlation_id=self.cause.correlation_id,
                causation_id=self.cause.event_id,
                trace=span_trace_context() or self.cause.trace,
            )
        else:
            writer = outbox.EnvelopeWriter(
                source=self.source,
                correlation_id=self.correlation_id or current_correlation_uuid(),
                trace=current_trace_context(),
            )
        self._pending.extend(writer.rows(events))

    @property
    def pending(self) -> list[Envelope]:
        """The envelopes emitted with ``emit`` and not committed yet."""
        return [e for e in self._pending if isinstance(e, Envelope)]

    async def claim_inbox(
        self, consumer: str, envelope: Envelope, outcome: str = "handled"
    ) -> bool:
        return await inbox.claim(
            self.session,
            self.tables,
            consumer=consumer,
            event_id=envelope.event_id,
            event_type=envelope.type,
            outcome=outcome,
        )

    async def commit(self) -> None:
        # everything emitted, in emission order, in one statement (outbox.append)
        rows = [
            outbox.envelope_json_row(e) if isinstance(e, Envelope) else e for e in self._pending
        ]
        await outbox.append(self.session, self.tables, rows)
        await self.session.commit()
        self._pending = []

    async def rollback(self) -> None:
        self._pending = []
        if self._session is not None:
            await self._session.rollback()
