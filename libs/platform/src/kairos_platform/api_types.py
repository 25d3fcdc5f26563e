"""Field types of HTTP answers shared by every service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

#: An instant as the API writes it: ISO 8601 with its offset (``+00:00`` for UTC, as the
#: instants clients compare with it, e.g. a slot's ``starts_at``, are written).
Instant = Annotated[
    datetime,
    PlainSerializer(lambda v: v.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
