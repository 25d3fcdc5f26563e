"""Booking* events -> the session projection (and the enrollment's standing row).

A stale or replayed event (sequence not above the stored one) changes nothing, so
duplicates and reordering within a booking's key cannot undo anything. Attendance marks
are ours and never touched here. Attendance never reads booking's tables.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from kairos_attendance.domain.sessions import Session
from kairos_attendance.service_layer.ports import AttendanceUow
from kairos_contracts import Envelope
from kairos_contracts.events.booking import (
    BookingCancelled,
    BookingConfirmed,
    BookingRescheduled,
    BookingRestored,
)

BookingEvent: TypeAlias = BookingConfirmed | BookingRescheduled | BookingCancelled | BookingRestored


def to_session(e: BookingEvent) -> Session:
    cancelled = isinstance(e, BookingCancelled)
    cycle = e.cycle
    return Session(
        booking_id=e.booking_id,
        sequence=e.sequence,
        status="cancelled" if cancelled else "confirmed",
        cancel_reason=str(e.reason) if isinstance(e, BookingCancelled) else None,
        enrollment_id=e.enrollment_id,
        subscription_id=e.subscription_id,
        offering_id=e.offering_id,
        title=e.offering_title,
        provider_id=e.provider.provider_id,
        provider_user_id=e.provider.user_id,
        provider_email=e.provider.email,
        provider_name=e.provider.display_name,
        mentee_user_id=e.mentee.user_id,
        mentee_email=e.mentee.email,
        mentee_name=e.mentee.display_name,
        time_zone=e.provider_time_zone,
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        meeting_url=e.meeting_url,
        cycle_number=cycle.number if cycle else None,
        cycle_starts_at=cycle.starts_at if cycle else None,
        cycle_ends_at=cycle.ends_at if cycle else None,
    )


async def on_booking_event(e: Any, env: Envelope, uow: AttendanceUow) -> None:
    session = to_session(e)
    if not await uow.sessions.apply(session):
        return  # stale or replayed
    if session.enrollment_id is not None:
        await uow.standings.know(session)
