"""What a hold or a booking is shown with, so that a screen needs no second call: its
offering's title, its provider's name and zone, its start in that zone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kairos_booking.domain.errors import NotFound
from kairos_booking.service_layer.ports import BookingUow


@dataclass(frozen=True)
class Described:
    offering_id: uuid.UUID
    offering_title: str
    provider_id: uuid.UUID
    provider_name: str
    provider_time_zone: str

    def fields(self, starts_at: datetime) -> dict[str, Any]:
        return {
            "offering_id": self.offering_id,
            "offering_title": self.offering_title,
            "provider_id": self.provider_id,
            "provider_name": self.provider_name,
            "provider_time_zone": self.provider_time_zone,
            "starts_at": starts_at,
            "local_start": starts_at.astimezone(ZoneInfo(self.provider_time_zone)),
        }


class Describer:
    """Reads each offering and its provider once per request."""

    def __init__(self, uow: BookingUow) -> None:
        self._uow = uow
        self._known: dict[uuid.UUID, Described] = {}

    async def __call__(self, offering_id: uuid.UUID) -> Described:
        if offering_id not in self._known:
            offering, provider = await self._uow.catalog.offering_and_provider(offering_id)
            if offering is None or provider is None:
                raise NotFound(f"No offering {offering_id}.")
            self._known[offering_id] = Described(
                offering_id, offering.title, provider.provider_id, provider.display_name,
                provider.time_zone,
            )  # fmt: skip
        return self._known[offering_id]
