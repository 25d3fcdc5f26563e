"""The consumer policy: how every service takes events in.

For each record, in partition order:
1. parse the envelope and its payload; a record that cannot be parsed is poison at once;
2. in one transaction: claim the inbox row (consumer, event id), run the handler, write
   the events it emits to the outbox, commit; a duplicate is skipped;
3. a failure of our infrastructure (database or broker away) is retried with backoff for
   as long as it lasts, since nothing can progress anyway and nothing may be lost;
   any other failure is retried ``max_attempts`` times, then the record is moved to
   ``<topic>.dlq`` (through the outbox, once) and the partition goes on.
Offsets are committed by the subscriber only after the whole batch has been handled, so a
killed consumer re-reads what it had not finished and the inbox drops what it had.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from pydantic import ValidationError

from kairos_contracts import Envelope, Event
from kairos_contracts.topics import dlq_topic
from kairos_platform.logging import bind_context
from kairos_platform.messaging import outbox
from kairos_platform.uow import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[Any, Envelope, Any], Awaitable[None]]


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class Record:
    """One Kafka record, independent of the client library."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Mapping[str, bytes] = field(default_factory=dict)

    @classmethod
    def from_consumer_record(cls, r: Any) -> Record:
        return cls(r.topic, r.partition, r.offset, r.key, r.value or b"", dict(r.headers or ()))

    def fallback_event_id(self) -> uuid.UUID:
        """An id for a record whose envelope cannot be read: stable across redeliveries."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"kafka:{self.topic}/{self.partition}/{self.offset}")


class Poison(Exception):
    """The record can never be handled (unreadable, or of a shape we do not accept)."""


@dataclass
class ConsumerPolicy:
    max_attempts: int = 5
    backoff_base_s: float = 0.05
    backoff_max_s: float = 2.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max_s, self.backoff_base_s * 2 ** max(0, attempt - 1)))


class UowFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


def is_transient(exc: BaseException) -> bool:
    """Failures of the infrastructure rather than of the message: worth waiting out."""
    import asyncpg
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, (OSError, TimeoutError, ConnectionError, asyncpg.PostgresConnectionError)):
        return True
    if isinstance(exc, asyncpg.exceptions.InterfaceError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(
            exc, sa_exc.OperationalError | sa_exc.InterfaceError
        ):
            return True
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        # serialization failure, deadlock, admin shutdown, cannot connect now
        return code in {"40001", "40P01", "57P01", "57P02", "57P03"}
    if isinstance(exc, sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    return False


class Dispatcher:
    """Routes records to handlers by event type, under the consumer policy."""

    def __init__(
        self,
        *,
        consumer: str,
        uow_factory: UowFactory,
        handlers: Mapping[type[Event], Handler],
        policy: ConsumerPolicy | None = None,
        on_outcome: Callable[[str, Outcome, float], None] | None = None,
    ) -> None:
        self.consumer = consumer
        self._uow_factory = uow_factory
        self._handlers = {(cls.TYPE, cls.VERSION): (cls, h) for cls, h in handlers.items()}
        self.policy = policy or ConsumerPolicy()
        self._on_outcome = on_outcome

    def event_types(self) -> list[type[Event]]:
        return [cls for cls, _ in self._handlers.values()]

    async def handle(self, record: Record) -> Outcome:
        started = time.perf_counter()
        outcome, event_type = await self._handle(record)
        if self._on_outcome is not None:
            self._on_outcome(event_type, outcome, time.perf_counter() - started)
        return outcome

    async def _handle(self, record: Record) -> tuple[Outcome, str]:
        try:
            envelope = Envelope.model_validate_json(record.value)
        except (ValidationError, ValueError) as exc:
            return await self._dead_letter(record, None, exc, attempts=1), "unreadable"
        route = self._handlers.get((envelope.type, envelope.version))
        if route is None:
            return Outcome.IGNORED, envelope.type
        event_cls, handler = route
        # Logs written while handling carry the event's correlation, trace and id.
        with bind_context(
            correlation_id=envelope.correlation_id, trace=envelope.trace, event_id=envelope.event_id
        ):
            try:
                payload = event_cls.model_validate(envelope.data)
            except ValidationError as exc:
                return await self._dead_letter(record, envelope, exc, attempts=1), envelope.type
            return await self._run(record, envelope, payload, handler), envelope.type

    async def _run(
        self, record: Record, envelope: Envelope, payload: Event, handler: Handler
    ) -> Outcome:
        attempt = 0
        while True:
            try:
                return await self._once(envelope, payload, handler)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc):
                    log.warning(
                        "transient failure handling %s; will retry", envelope.type, exc_info=exc
                    )
                    await asyncio.sleep(self.policy.backoff_max_s)
                    continue
                attempt += 1
                if isinstance(exc, Poison) or attempt >= self.policy.max_attempts:
                    log.error(
                        "giving up on %s after %d attempts", envelope.type, attempt, exc_info=exc
                    )
                    return await self._dead_letter(record, envelope, exc, attempts=attempt)
                log.warning(
                    "handler failed for %s (attempt %d)", envelope.type, attempt, exc_info=exc
                )
                await asyncio.sleep(self.policy.backoff(attempt))

    async def _once(self, envelope: Envelope, payload: Event, handler: Handler) -> Outcome:
        async with self._uow_factory() as uow:
            uow.caused_by(envelope)
            if not await uow.claim_inbox(self.consumer, envelope):
                return Outcome.DUPLICATE
            await handler(payload, envelope, uow)
            await uow.commit()
            return Outcome.HANDLED

    async def _dead_letter(
        self, record: Record, envelope: Envelope | None, exc: BaseException, *, attempts: int
    ) -> Outcome:
        """Park the record on <topic>.dlq through the outbox, once, and let the partition go on."""
        event_id = envelope.event_id if envelope else record.fallback_event_id()
        row = outbox.raw_row(
            event_id=uuid.uuid5(event_id, f"dlq:{self.consumer}"),
            topic=dlq_topic(record.topic),
            key=(record.key or b"").decode(errors="replace") or str(event_id),
            event_type="DeadLetter",
            payload=_dead_letter_payload(self.consumer, record, envelope, exc, attempts),
            headers={"event_id": str(event_id), "error": type(exc).__name__},
        )
        while True:
            try:
                async with self._uow_factory() as uow:
                    stub = envelope or _stub_envelope(event_id, record)
                    if await uow.claim_inbox(self.consumer, stub, outcome=Outcome.DEAD_LETTERED):
                        await outbox.add_rows(uow.session, uow.tables, [row])
                        await uow.session.commit()
                return Outcome.DEAD_LETTERED
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not dead-letter the record yet; retrying")
                await asyncio.sleep(self.policy.backoff_max_s)


def _stub_envelope(event_id: uuid.UUID, record: Record) -> Envelope:
    return Envelope(
        event_id=event_id,
        type="Unreadable",
        version=0,
        source="unknown",
        subject=(record.key or b"").decode(errors="replace"),
        correlation_id=event_id,
        data={},
    )


def _dead_letter_payload(
    consumer: str, record: Record, envelope: Envelope | None, exc: BaseException, attempts: int
) -> dict[str, Any]:
    try:
        original: Any = record.value.decode()
    except UnicodeDecodeError:
        original = {"base64": base64.b64encode(record.value).decode()}
    return {
        "consumer": consumer,
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "event_id": str(envelope.event_id) if envelope else None,
        "event_type": envelope.type if envelope else None,
        "error": f"{type(exc).__name__}: {exc}"[:2000],
        "attempts": attempts,
        "original": original,
    }
