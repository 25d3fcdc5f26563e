"""Which event types exist, and on which topic each travels.

One topic per aggregate family, so that a consumer subscribes to what it needs and the
key (the aggregate id) keeps per-aggregate order within the topic.
"""

from __future__ import annotations

from typing import TypeVar

from kairos_contracts.envelope import Event

E = TypeVar("E", bound=type[Event])

_EVENTS: dict[tuple[str, int], type[Event]] = {}


def register(cls: E) -> E:
    """Class decorator: make an event type known to the registry.

    Refuses a second class for the same (TYPE, VERSION) and a KEY that is not the
    topic's key field, so per-aggregate ordering cannot be broken by accident.
    """
    from kairos_contracts.topics import key_field

    if key_field(cls.TOPIC) != cls.KEY:
        raise ValueError(
            f"{cls.__name__}.KEY is {cls.KEY!r}, but topic {cls.TOPIC!r} is keyed by "
            f"{key_field(cls.TOPIC)!r}"
        )
    if cls.KEY not in cls.__pydantic_fields__:
        raise ValueError(f"{cls.__name__}.KEY {cls.KEY!r} is not a field")
    key = (cls.TYPE, cls.VERSION)
    if key in _EVENTS and _EVENTS[key] is not cls:
        raise ValueError(f"event {key} registered twice")
    _EVENTS[key] = cls
    return cls


def unregister(cls: type[Event]) -> None:
    """Forget an event type. For tests that register throw-away events of their own."""
    _EVENTS.pop((cls.TYPE, cls.VERSION), None)


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
