"""Kairos event contracts: the envelope, the topic registry and every event model."""

from kairos_contracts.envelope import Envelope, Event, TraceContext
from kairos_contracts.registry import all_events, event_class, register, topics

__all__ = ["Envelope", "Event", "TraceContext", "all_events", "event_class", "register", "topics"]
