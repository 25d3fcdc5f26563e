"""The envelope every cross-service event travels in.

The Kafka message value is the envelope as JSON; the Kafka key is ``subject`` (the
aggregate id), so that all events of one aggregate land on one partition, in order.

``data`` is written without ``null`` fields. Every optional payload field defaults to
``None``, so nothing is lost, and a consumer still on the previous contracts release
(which forbids unknown fields) keeps accepting messages after a new optional field is
added, until a producer actually sets it. Rollout rule: consumers first, producers after.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class TraceContext(BaseModel):
    """W3C trace context, carried so a trace survives the hop through the broker."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    traceparent: str | None = None
    tracestate: str | None = None


class Event(BaseModel):
    """Base of every event payload.

    Subclasses set ``TYPE`` (the name on the wire), ``VERSION`` (bumped on a breaking
    change, which CI refuses for a published version), ``TOPIC`` and ``KEY`` (the name of
    the payload field holding the aggregate id, which becomes the Kafka key).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    TOPIC: ClassVar[str]
    KEY: ClassVar[str]

    def aggregate_id(self) -> str:
        return str(getattr(self, self.KEY))


E = TypeVar("E", bound=Event)


class Envelope(BaseModel):
    """Metadata around one event. ``data`` is the payload, validated by its event model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int
    source: str
    occurred_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    trace: TraceContext = Field(default_factory=TraceContext)
    data: dict[str, Any]

    @property
    def key(self) -> bytes:
        """The Kafka key: the aggregate id."""
        return self.subject.encode()

    def to_json(self) -> bytes:
        """The Kafka message value."""
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        """Parse a Kafka message value (raises ``pydantic.ValidationError`` if malformed)."""
        return cls.model_validate_json(raw)

    @property
    def topic(self) -> str:
        from kairos_contracts.registry import event_class

        return event_class(self.type, self.version).TOPIC

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        source: str,
        correlation_id: uuid.UUID | None = None,
        causation_id: uuid.UUID | None = None,
        trace: TraceContext | None = None,
        event_id: uuid.UUID | None = None,
    ) -> Envelope:
        """Wrap a payload. A new causal chain starts when no correlation id is given."""
        eid = event_id or uuid.uuid4()
        return cls(
            event_id=eid,
            type=event.TYPE,
            version=event.VERSION,
            source=source,
            subject=event.aggregate_id(),
            correlation_id=correlation_id or eid,
            causation_id=causation_id,
            trace=trace or TraceContext(),
            data=event.model_dump(mode="json", exclude_none=True),
        )

    def caused(self, event: Event, *, source: str) -> Envelope:
        """An envelope for an event caused by this one: same correlation, causation = us."""
        return Envelope.wrap(
            event,
            source=source,
            correlation_id=self.correlation_id,
            causation_id=self.event_id,
            trace=self.trace,
        )

    def payload(self) -> Event:
        """The payload as its typed model.

        Raises ``LookupError`` for an unknown (type, version), ``pydantic.ValidationError``
        for an invalid payload and ``ValueError`` when ``subject`` is not the payload's
        aggregate id (the message would have been partitioned by the wrong key).
        """
        from kairos_contracts.registry import event_class

        event = event_class(self.type, self.version).model_validate(self.data)
        if event.aggregate_id() != self.subject:
            raise ValueError(
                f"envelope subject {self.subject!r} is not the {self.type} aggregate id "
                f"{event.aggregate_id()!r}"
            )
        return event

    def payload_as(self, cls: builtins.type[E]) -> E:
        """``payload()`` when the caller knows the event class: typed as ``cls``
        (``builtins.type``: the ``type`` field shadows it here).

        Raises as ``payload()`` does, and ``TypeError`` when the payload is not a ``cls``.
        """
        event = self.payload()
        if not isinstance(event, cls):
            raise TypeError(f"{self.type} v{self.version} is not a {cls.__name__}")
        return event
