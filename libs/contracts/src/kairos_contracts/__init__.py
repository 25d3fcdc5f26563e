"""Kairos event contracts: the envelope, the topic registry and every event model.

Note on names: ``kairos_contracts.topics`` is the registry *function* (every topic in
use); the topic constants live in the module of the same name and are imported with
``from kairos_contracts.topics import BOOKING_HOLDS``. The module is imported first below
so that the function, bound afterwards, is what the package attribute keeps.
"""

import kairos_contracts.topics as _topics_module  # noqa: F401  (see the note above)
from kairos_contracts.envelope import Envelope, Event, TraceContext
from kairos_contracts.registry import all_events, event_class, register, topics

__all__ = ["Envelope", "Event", "TraceContext", "all_events", "event_class", "register", "topics"]
