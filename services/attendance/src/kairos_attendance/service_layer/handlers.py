"""Event handlers of the attendance service (event -> effect, inside the unit of work)."""

from __future__ import annotations

from typing import Any

from kairos_attendance.service_layer.projection import on_booking_event
from kairos_attendance.service_layer.readers import on_mail_preferences_changed
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRescheduled,
    BookingRestored,
)
from kairos_contracts.events.calendar import MailPreferencesChanged
from kairos_platform import ping


def event_handlers() -> dict[Any, Any]:
    return {
        **ping.HANDLERS,
        BookingConfirmed: on_booking_event,
        BookingRescheduled: on_booking_event,
        BookingCancelled: on_booking_event,
        BookingRestored: on_booking_event,
        MailPreferencesChanged: on_mail_preferences_changed,
    }
