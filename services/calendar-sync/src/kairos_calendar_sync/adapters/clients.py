"""Builds the calendar client for a connection (the only place that knows the protocols)."""

from __future__ import annotations

from typing import Any

from kairos_calendar_sync.adapters.caldav import CalDavClient
from kairos_calendar_sync.domain.connections import Connection, Kind
from kairos_calendar_sync.service_layer.calendars import CalendarClient, ClientFactory
from kairos_calendar_sync.settings import CalendarSettings
from kairos_platform.clock import Clock, system_clock


def client_factory(settings: CalendarSettings, clock: Clock = system_clock) -> ClientFactory:
    def make(connection: Connection, secret: dict[str, Any]) -> CalendarClient:
        if connection.kind is Kind.CALDAV:
            return CalDavClient(
                connection.calendar_url,
                secret.get("username", ""),
                secret.get("password", ""),
                timeout_s=settings.calendar_timeout_s,
                clock=clock,
            )
        # Imported here: Google's client library (with httplib2 and pyparsing) is the
        # largest import of the service, needed only by a process that writes to a
        # Google calendar; every other process stays that much smaller.
        from kairos_calendar_sync.adapters.google import GoogleCalendarClient

        return GoogleCalendarClient(
            connection.calendar_url,
            secret,
            api_base=settings.google_api_base,
            token_uri=settings.google_token_uri,
            timeout_s=settings.calendar_timeout_s,
        )

    return make
