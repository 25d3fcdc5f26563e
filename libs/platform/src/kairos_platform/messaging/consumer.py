"""The consumer policy: how every service takes events in.

For each record, in partition order:
1. parse the envelope and its payload; a record that cannot be parsed is poison at once;
2. in one transaction: claim the inbox row (consumer, event id), run the handler, write
   the events it emits to the outbox, commit; a duplicate is skipped (an event its
   handler does not want, ``Only``, opens no transaction);
3. a failure of our infrastructure (database or broker away) is retried with backoff for
   as long as it lasts, since nothing can progress anyway and nothing may be lost;
   any other failure is retried ``max_attempts`` times, then the record is moved to
   ``<topic>.dlq`` (through the outbox, once), kept in ``dead_letters`` for an operator to
   re-drive (``kairos_platform.messaging.dead_letters``), and the partition goes on.
Offsets are committed by the subscriber only after the whole batch has been handled, so a
killed consumer re-reads what it had not finished and the inbox drops what it had.

Batch handlers (optional, per event type): the subscriber hands the Dispatcher its whole
batch (``handle_batch``). A run of consecutive records of one type that has a batch handler
is handled in ONE transaction: claim their inbox rows in one statement (duplicates are
skipped), call the batch handler with the claimed (payload, envelope) pairs, write what it
emitted, commit. The batch handler settles what it can on its fast path and returns the
event ids it left alone; those, and every later record of the run with the same Kafka key
as one of them (per-key order), go through the per-record path above after the commit. If
the batch transaction fails in any way it is rolled back and the whole run goes through the
per-record path, so poison and infrastructure failures keep the policy above exactly.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any, Protocol

from pydantic import ValidationError

from kairos_contracts import Envelope, Event
from kairos_contracts.envelope import TraceContext
from kairos_contracts.topics import dlq_topic
from kairos_platform import tracing
from kairos_platform.db import driver
from kairos_platform.heap import cyclic_gc_paused
from kairos_platform.logging import bind_context
from kairos_platform.messaging import dead_letters, outbox
from kairos_platform.transient import is_transient
from kairos_platform.uow import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[Any, Envelope, Any], Awaitable[None]]

#: ``batch_handler([(payload, envelope), ...], uow) -> event ids it did not settle``.
#: It runs inside the Dispatcher's transaction (inbox rows already claimed); before emitting
#: an event for an item it calls ``uow.caused_by(envelope)`` so the event carries that item's
#: correlation and causation, as the per-record handler's would. For the ids it returns it
#: must have changed nothing: their inbox claims are given back and the per-record handler
#: takes them after the commit.
BatchHandler = Callable[[Sequence[tuple[Any, Envelope]], Any], Awaitable[Collection[uuid.UUID]]]


@dataclass(frozen=True)
class Only:
    """A handler for the events ``when`` accepts (a pure function of the event); any other
    is IGNORED before a transaction is opened, with no inbox claim: it would change
    nothing, so there is nothing to do once or to remember (a redelivery is told the same).
    Calendar-sync receipts a card payment when it is captured, not when it is verified:
    the verified event of every paid booking would otherwise cost it a transaction."""

    when: Callable[[Any], bool]
    handler: Handler

    async def __call__(self, event: Any, envelope: Envelope, uow: Any) -> None:
        await self.handler(event, envelope, uow)


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
        batch_handlers: Mapping[type[Event], BatchHandler] | None = None,
    ) -> None:
        self.consumer = consumer
        self._uow_factory = uow_factory
        self._handlers = {(cls.TYPE, cls.VERSION): (cls, h) for cls, h in handlers.items()}
        self.policy = policy or ConsumerPolicy()
        self._on_outcome = on_outcome
        for cls in batch_handlers or {}:
            if cls not in handlers:
                raise ValueError(f"{cls.__name__} has a batch handler but no per-record handler")
            if isinstance(handlers[cls], Only):  # a batch would not ask it
                raise ValueError(f"{cls.__name__} has a batch handler and an Only handler")
        self._batch_handlers = {
            (cls.TYPE, cls.VERSION): (cls, h) for cls, h in (batch_handlers or {}).items()
        }

    def event_types(self) -> list[type[Event]]:
        return [cls for cls, _ in self._handlers.values()]

    async def handle(self, record: Record) -> Outcome:
        return await self._handle_timed(record, None)

    async def _handle_timed(self, record: Record, envelope: Envelope | None) -> Outcome:
        started = time.perf_counter()
        outcome, event_type = await self._handle(record, envelope)
        self._report(event_type, outcome, time.perf_counter() - started)
        return outcome

    def _report(self, event_type: str, outcome: Outcome, seconds: float) -> None:
        if self._on_outcome is not None:
            self._on_outcome(event_type, outcome, seconds)

    async def handle_batch(self, records: Sequence[Record]) -> list[Outcome]:
        """Handle one subscriber batch, in order: runs of consecutive records of one type
        with a batch handler together (see the module's doc), every other record alone.
        Returns the outcome of each record, in the order given."""
        outcomes: list[Outcome] = []
        run: list[_Item] = []
        for record in records:
            item = self._batchable(record)
            if item is not None and (not run or run[0].route is item.route):
                run.append(item)
                continue
            if run:
                outcomes += await self._handle_run(run)
                run = []
            if item is not None:
                run.append(item)
            else:
                outcomes.append(await self.handle(record))
        if run:
            outcomes += await self._handle_run(run)
        return outcomes

    def _batchable(self, record: Record) -> _Item | None:
        """The record parsed, if its type has a batch handler and it reads cleanly (anything
        else goes through the per-record path, poison included)."""
        if not self._batch_handlers:
            return None
        try:
            envelope = Envelope.model_validate_json(record.value)
        except (ValidationError, ValueError):
            return None
        route = self._batch_handlers.get((envelope.type, envelope.version))
        if route is None:
            return None
        try:
            payload = route[0].model_validate(envelope.data)
        except ValidationError:
            return None
        return _Item(record, envelope, payload, route)

    async def _handle_run(self, run: list[_Item]) -> list[Outcome]:
        if len(run) == 1:
            return [await self._handle_timed(run[0].record, run[0].envelope)]
        started = time.perf_counter()
        per_record: set[int] = set()  # positions in ``run`` left to the per-record path
        settled: dict[int, Outcome] | None = None
        while settled is None:
            try:
                with cyclic_gc_paused():
                    settled, per_record = await self._run_batch_once(run, per_record)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "batch of %d %s failed; handling them one by one",
                    len(run),
                    run[0].envelope.type,
                    exc_info=exc,
                )
                settled, per_record = {}, set(range(len(run)))
        outcomes: dict[int, Outcome] = dict(settled)
        if settled:
            share = (time.perf_counter() - started) / len(settled)
            for i in sorted(settled):
                self._report(run[i].envelope.type, settled[i], share)
        for i in sorted(per_record):
            outcomes[i] = await self._handle_timed(run[i].record, run[i].envelope)
        return [outcomes[i] for i in range(len(run))]

    async def _run_batch_once(
        self, run: list[_Item], per_record: set[int]
    ) -> tuple[dict[int, Outcome] | None, set[int]]:
        """One batch transaction over the records of ``run`` not in ``per_record``.

        Returns the outcomes of the records it settled and those left to the per-record
        path. When the handler settled a record that must wait behind one it left (same
        key), it rolls back and returns no outcomes and the larger set to leave: the caller
        runs the batch again without them (the set grows each time, so this ends)."""
        handler = run[0].route[1]
        seen: set[uuid.UUID] = set()
        firsts: list[int] = []  # the first record of each event id (a later one is a duplicate)
        for i, item in enumerate(run):
            if item.envelope.event_id not in seen:
                seen.add(item.envelope.event_id)
                if i not in per_record:
                    firsts.append(i)
        spans: list[Any] = []
        try:
            async with self._uow_factory() as uow:
                claimed = await _claim_many(uow, self.consumer, [run[i].envelope for i in firsts])
                given = [i for i in firsts if run[i].envelope.event_id in claimed]
                items = [(run[i].payload, self._traced(run[i], spans)) for i in given]
                left_ids = set(await handler(items, uow) if given else ())
                left = {i for i in given if run[i].envelope.event_id in left_ids}
                waiting = _behind(run, per_record | left)
                if any(i in waiting and i not in left for i in given):
                    await uow.rollback()
                    return None, waiting
                if left:
                    await _release_claims(uow, self.consumer, [run[i].envelope for i in left])
                await uow.commit()
        except BaseException as exc:
            for span in spans:
                tracing.end_span(span, exc)
            raise
        for span in spans:
            tracing.end_span(span, None)
        given_set = set(given)
        outcomes = {
            i: Outcome.HANDLED if i in given_set else Outcome.DUPLICATE
            for i in range(len(run))
            if i not in waiting
        }
        return outcomes, waiting

    def _traced(self, item: _Item, spans: list[Any]) -> Envelope:
        """The item's envelope for its batch handler: with tracing on, a consumer span is
        started for the record (added to ``spans``) and the envelope names it, so the events
        emitted for it (``emit_many(causes=...)``, ``caused_by``) continue its trace."""
        if not tracing.enabled():  # per record: nothing to build when tracing is off
            return item.envelope
        traced = tracing.start_process_span(
            topic=item.record.topic,
            partition=item.record.partition,
            offset=item.record.offset,
            consumer=self.consumer,
            traceparent=_traceparent(item.record, item.envelope),
            event_type=item.envelope.type,
            event_id=str(item.envelope.event_id),
        )
        if traced is None:
            return item.envelope
        spans.append(traced[0])
        return item.envelope.model_copy(update={"trace": TraceContext(traceparent=traced[1])})

    async def _handle(self, record: Record, envelope: Envelope | None) -> tuple[Outcome, str]:
        if envelope is None:
            try:
                envelope = Envelope.model_validate_json(record.value)
            except (ValidationError, ValueError) as exc:
                return await self._dead_letter(record, None, exc, attempts=1), "unreadable"
        route = self._handlers.get((envelope.type, envelope.version))
        if route is None:
            return Outcome.IGNORED, envelope.type
        event_cls, handler = route
        # Logs written while handling carry the event's correlation, trace and id.
        with (
            bind_context(
                correlation_id=envelope.correlation_id,
                trace=envelope.trace,
                event_id=envelope.event_id,
            ),
            tracing.process_span(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                consumer=self.consumer,
                traceparent=_traceparent(record, envelope),
                event_type=envelope.type,
                event_id=str(envelope.event_id),
            ),
        ):
            try:
                payload = event_cls.model_validate(envelope.data)
            except ValidationError as exc:
                return await self._dead_letter(record, envelope, exc, attempts=1), envelope.type
            if isinstance(handler, Only) and not handler.when(payload):
                return Outcome.IGNORED, envelope.type
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
            # per record (topic, partition, offset), not per event: a record re-driven
            # (kairos_platform.dead_letters) and dead-lettered again is a new outbox row
            event_id=uuid.uuid5(
                event_id, f"dlq:{self.consumer}:{record.topic}/{record.partition}/{record.offset}"
            ),
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
                        await dead_letters.record(
                            uow.session,
                            uow.tables,
                            consumer=self.consumer,
                            event_id=event_id,
                            event_type=envelope.type if envelope else None,
                            topic=record.topic,
                            partition=record.partition,
                            offset=record.offset,
                            key=record.key.decode(errors="replace") if record.key else None,
                            error=row["payload"]["error"].replace("\x00", ""),
                            attempts=attempts,
                            original=_text_or_none(record.value),
                        )
                        await uow.session.commit()
                return Outcome.DEAD_LETTERED
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not dead-letter the record yet; retrying")
                await asyncio.sleep(self.policy.backoff_max_s)


@dataclass(frozen=True)
class _Item:
    """A record of a run for a batch handler, parsed."""

    record: Record
    envelope: Envelope
    payload: Event
    route: tuple[type[Event], BatchHandler]


def _behind(run: Sequence[_Item], seeds: set[int]) -> set[int]:
    """``seeds`` and every later record of the run with the same Kafka key as one of them."""
    keys: set[bytes | None] = set()
    out: set[int] = set()
    for i, item in enumerate(run):
        if i in seeds or item.record.key in keys:
            out.add(i)
            keys.add(item.record.key)
    return out


async def _claim_many(
    uow: UnitOfWork, consumer: str, envelopes: Sequence[Envelope]
) -> set[uuid.UUID]:
    """Claim the inbox rows of ``envelopes`` in one statement; the ids newly claimed (the
    others were seen before: duplicates)."""
    if not envelopes:
        return set()
    conn = await driver(uow.session)
    rows = await conn.fetch(
        _claim_many_sql(uow.tables.inbox.name),
        consumer,
        [e.event_id for e in envelopes],
        [e.type for e in envelopes],
    )
    return {uuid.UUID(bytes=row[0].bytes) for row in rows}


async def _release_claims(uow: UnitOfWork, consumer: str, envelopes: Sequence[Envelope]) -> None:
    """Give back claims made in this transaction (for the per-record path to make again)."""
    conn = await driver(uow.session)
    await conn.execute(
        _release_sql(uow.tables.inbox.name), consumer, [e.event_id for e in envelopes]
    )


@cache
def _claim_many_sql(inbox: str) -> str:
    return f"""
        INSERT INTO {inbox} (consumer, event_id, event_type, outcome)
        SELECT $1, e, t, 'handled' FROM unnest($2::uuid[], $3::text[]) AS u(e, t)
        ON CONFLICT (consumer, event_id) DO NOTHING
        RETURNING event_id
        """


@cache
def _release_sql(inbox: str) -> str:
    return f"DELETE FROM {inbox} WHERE consumer = $1 AND event_id = ANY($2::uuid[])"


def _traceparent(record: Record, envelope: Envelope) -> str | None:
    """The record's ``traceparent`` header (the relay's producer span), else the envelope's."""
    raw = record.headers.get("traceparent")
    if raw:
        return bytes(raw).decode("latin-1")
    return envelope.trace.traceparent


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


def _text_or_none(value: bytes) -> str | None:
    try:
        text = value.decode()
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text  # PostgreSQL text holds no NUL


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
