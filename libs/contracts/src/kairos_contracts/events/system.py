"""Wiring events: any service can ping, every other service answers with a pong."""

from __future__ import annotations

import uuid

from kairos_contracts.envelope import Event
from kairos_contracts.registry import register
from kairos_contracts.topics import SYSTEM


@register
class Ping(Event):
    TYPE = "Ping"
    TOPIC = SYSTEM
    KEY = "ping_id"

    ping_id: uuid.UUID
    origin: str


@register
class Pong(Event):
    TYPE = "Pong"
    TOPIC = SYSTEM
    KEY = "ping_id"

    ping_id: uuid.UUID
    origin: str
    responder: str
