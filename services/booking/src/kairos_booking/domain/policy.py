"""Who may do what to a booking, and what a cancellation refunds."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from kairos_booking.domain.model import Booking, Offering, Provider


def actor_for(
    user_id: uuid.UUID, is_admin: bool, booking: Booking, provider: Provider
) -> str | None:
    """The role in which ``user_id`` acts on ``booking`` (mentee, mentor, admin) or None."""
    if booking.mentee_id == user_id:
        return "mentee"
    if provider.user_id == user_id:
        return "mentor"
    if is_admin:
        return "admin"
    return None


def refund_for(actor: str, booking: Booking, offering: Offering, now: datetime) -> int:
    """Mentor and admin cancellations refund everything; a mentee gets a full refund up to
    ``refund_full_hours_before`` hours before the start, nothing after."""
    if actor != "mentee":
        return booking.amount_minor
    deadline = booking.starts_at - timedelta(hours=offering.refund_full_hours_before)
    return booking.amount_minor if now <= deadline else 0
