"""Every event calendar-sync publishes is built here, and only here
(libs/contracts/tests/test_catalog_emitters.py): one small builder per event and case,
from the connection, the booking and its calendar entry (or the person), and the time.
Callers emit what these return; no builder does I/O.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypedDict

from kairos_calendar_sync.domain.bookings import Booking
from kairos_calendar_sync.domain.connections import Connection, Entry, Kind
from kairos_calendar_sync.domain.people import Person
from kairos_calendar_sync.service_layer.calendars import Written
from kairos_contracts.events.calendar import (
    CalendarAction,
    CalendarEventSynced,
    CalendarSyncFailed,
    CalendarTarget,
    MailPreferencesChanged,
)


def action(booking: Booking, entry: Entry) -> CalendarAction:
    """What writing ``booking`` does to the calendar event ``entry`` stands for."""
    if not booking.live:
        return CalendarAction.CANCELLED
    if entry.synced_sequence is None or entry.synced_status != booking.status.value:
        return CalendarAction.CREATED  # first write, or a restore after a cancel
    return CalendarAction.UPDATED


def target(conn: Connection) -> CalendarTarget:
    return CalendarTarget.CALDAV if conn.kind is Kind.CALDAV else CalendarTarget.GOOGLE


class _Written(TypedDict):
    booking_id: uuid.UUID
    booking_sequence: int
    user_id: uuid.UUID
    target: CalendarTarget
    action: CalendarAction
    ical_uid: str
    ical_sequence: int


def _written(conn: Connection, booking: Booking, entry: Entry) -> _Written:
    """What a synced and a failed write of ``booking`` to ``conn`` both say."""
    return _Written(
        booking_id=booking.booking_id,
        booking_sequence=booking.sequence,
        user_id=conn.user_id,
        target=target(conn),
        action=action(booking, entry),
        ical_uid=booking.uid,
        ical_sequence=booking.sequence,
    )


def calendar_event_synced(
    conn: Connection, booking: Booking, entry: Entry, written: Written, at: datetime
) -> CalendarEventSynced:
    """``booking`` written to the calendar of ``conn`` (``entry`` as it was before)."""
    return CalendarEventSynced(
        **_written(conn, booking, entry),
        external_event_id=written.href or written.external_id,
        synced_at=at,
    )


def calendar_sync_failed(
    conn: Connection,
    booking: Booking,
    entry: Entry,
    error: str,
    retryable: bool,
    attempt: int,
    at: datetime,
) -> CalendarSyncFailed:
    """Writing ``booking`` to the calendar of ``conn`` failed (``attempt``: its number)."""
    return CalendarSyncFailed(
        **_written(conn, booking, entry),
        error=error[:1000] or "calendar error",
        retryable=retryable,
        attempt=max(1, attempt),
        failed_at=at,
    )


def deleted_outside(conn: Connection, e: Entry, at: datetime) -> CalendarSyncFailed:
    """Reconciliation found the event of ``e`` deleted outside Kairos: it is re-created."""
    return CalendarSyncFailed(
        booking_id=e.booking_id,
        booking_sequence=e.desired_sequence,
        user_id=conn.user_id,
        target=target(conn),
        action=CalendarAction.CREATED,
        ical_uid=e.ical_uid,
        ical_sequence=e.desired_sequence,
        error="The event was deleted outside Kairos; it is re-created (the session is on).",
        retryable=True,
        attempt=1,
        failed_at=at,
    )


def mail_preferences_changed(person: Person, at: datetime) -> MailPreferencesChanged:
    """``person``'s time zone or locale is now what it holds (None: no preference)."""
    return MailPreferencesChanged(
        user_id=person.user_id,
        time_zone=person.time_zone,
        locale=person.locale,
        changed_at=at,
    )
