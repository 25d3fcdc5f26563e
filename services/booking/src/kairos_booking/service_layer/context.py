"""What the booking processes share besides the unit of work: the settings, the live feed
(the http process's Kafka-fed hub of server-sent events) and the stream tokens browsers open
it with, as one typed object (``Service.context``). Routes reach it through
``entrypoints/deps.py``, jobs through :func:`context_of`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kairos_booking.settings import BookingSettings
from kairos_platform.live import LiveHub, StreamTokens
from kairos_platform.service import Service


@dataclass(frozen=True)
class Context:
    settings: BookingSettings
    # started by the live router's lifespan, so only where the routes are served
    live: LiveHub
    stream_tokens: StreamTokens


def context_of(service: Service[Any]) -> Context:
    """The context of ``service`` (what ``bootstrap`` passed to ``assemble``)."""
    return service.context_as(Context)
