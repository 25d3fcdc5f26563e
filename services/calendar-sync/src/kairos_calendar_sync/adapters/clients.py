"""Builds the calendar client for a connection (the only place that knows the protocols)."""

from __future__ import annotations

from typing import Any

from kairos_calendar_sync.adapters.caldav import CalDavClient
from kairos_calendar_sync.adapters.google import GoogleCalendarClient
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
        return GoogleCalendarClient(
            connection.calendar_url,
            secret,
            api_base=settings.google_api_base,
            token_uri=settings.google_token_uri,
            timeout_s=settings.calendar_timeout_s,
        )

    return make
