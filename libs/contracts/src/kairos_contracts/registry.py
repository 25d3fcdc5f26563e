"""Which event types exist, and on which topic each travels.

One topic per aggregate family, so that a consumer subscribes to what it needs and the
key (the aggregate id) keeps per-aggregate order within the topic.
"""

from __future__ import annotations

from kairos_contracts.envelope import Event

_EVENTS: dict[tuple[str, int], type[Event]] = {}


def register(cls: type[Event]) -> type[Event]:
    """Class decorator: make an event type known to the registry."""
    key = (cls.TYPE, cls.VERSION)
    if key in _EVENTS and _EVENTS[key] is not cls:
        raise ValueError(f"event {key} registered twice")
    _EVENTS[key] = cls
    return cls


def event_class(type_: str, version: int) -> type[Event]:
    _load_all()
    try:
        return _EVENTS[(type_, version)]
    except KeyError:
        raise LookupError(f"unknown event type {type_!r} v{version}") from None


def all_events() -> list[type[Event]]:
    _load_all()
    return sorted(_EVENTS.values(), key=lambda c: (c.TOPIC, c.TYPE, c.VERSION))


def topics() -> list[str]:
    return sorted({c.TOPIC for c in all_events()})


def _load_all() -> None:
    # Importing the event modules runs their @register decorators.
    import kairos_contracts.events  # noqa: F401
