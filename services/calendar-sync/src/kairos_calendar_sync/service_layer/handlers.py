"""Event handlers of the calendar-sync service (event -> effect, inside the unit of work)."""

from __future__ import annotations

from typing import Any

from kairos_calendar_sync.service_layer.projection import on_booking_event
from kairos_calendar_sync.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_contracts import Envelope
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRescheduled,
    BookingRestored,
)
from kairos_platform import ping


async def booking_changed(e: Any, env: Envelope, uow: ServiceUnitOfWork) -> None:
    await on_booking_event(e, uow)


def event_handlers() -> dict[Any, Any]:
    return {
        **ping.HANDLERS,
        BookingConfirmed: booking_changed,
        BookingRescheduled: booking_changed,
        BookingCancelled: booking_changed,
        BookingRestored: booking_changed,
    }
