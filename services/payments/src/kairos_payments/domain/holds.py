"""Holds as payments sees them: a projection of booking's hold events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class HoldState(StrEnum):
    PLACED = "placed"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Hold:
    hold_id: uuid.UUID
    offering_id: uuid.UUID
    mentee_id: uuid.UUID
    starts_at: datetime
    amount_minor: int
    currency: str
    price_in_credits: int | None
    expires_at: datetime
    state: HoldState

    def payable_at(self, now: datetime) -> bool:
        """Still open for payment: placed and not past its expiry."""
        return self.state is HoldState.PLACED and now < self.expires_at

    def stripe_metadata(self) -> dict[str, str]:
        return {
            "hold_id": str(self.hold_id),
            "offering_id": str(self.offering_id),
            "mentee_id": str(self.mentee_id),
            "slot": self.starts_at.isoformat(),
        }
