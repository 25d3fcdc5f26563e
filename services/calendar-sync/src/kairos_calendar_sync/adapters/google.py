"""Google Calendar through the official client (``google-api-python-client``, API v3).

The discovery document ships inside the library (``static_discovery``), so building the
client needs no network. OAuth tokens are refreshed by google-auth when expired; the new
ones are handed back (``refreshed_secret``) for the service to seal and store.

Idempotence: before inserting, we list by ``iCalUID`` (deleted copies included), so a
replay, a second worker or a restore finds the existing event and patches it instead of
adding one. Extra copies of the UID are deleted. Cancellation deletes the event (in Google
a cancelled event *is* a deleted one); a restore patches it back to confirmed.
The library is synchronous (httplib2): calls run in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.domain.bookings import Booking
from kairos_calendar_sync.service_layer.calendars import (
    CalendarRefused,
    CalendarUnavailable,
    RemoteEvent,
    Stored,
    Written,
)

T = TypeVar("T")
#: a private extended property on every event we write: how reconciliation finds ours
MARK = "kairos"


def credentials(secret: dict[str, Any], token_uri: str) -> Credentials:
    expiry = secret.get("expires_at")
    return Credentials(
        token=secret.get("access_token"),
        refresh_token=secret.get("refresh_token"),
        token_uri=token_uri,
        client_id=secret.get("client_id"),
        client_secret=secret.get("client_secret"),
        # google-auth compares naive UTC datetimes
        expiry=datetime.fromisoformat(expiry).astimezone(UTC).replace(tzinfo=None)
        if expiry
        else None,
    )


def event_body(b: Booking) -> dict[str, Any]:
    return {
        "iCalUID": b.uid,
        "sequence": b.sequence,
        "status": "confirmed",
        "summary": b.title,
        "description": ics.description(b),
        "start": {"dateTime": b.starts_at.isoformat(), "timeZone": b.time_zone},
        "end": {"dateTime": b.ends_at.isoformat(), "timeZone": b.time_zone},
        "attendees": [
            {"email": p.email, "displayName": p.name or p.email} for p in b.participants if p.email
        ],
        "extendedProperties": {"private": {MARK: "1", "booking_id": str(b.booking_id)}},
        **({"location": b.meeting_url} if b.meeting_url else {}),
    }


class GoogleCalendarClient:
    def __init__(
        self,
        calendar_id: str,
        secret: dict[str, Any],
        *,
        api_base: str,
        token_uri: str,
        timeout_s: float = 10.0,
    ) -> None:
        self.calendar_id = calendar_id
        self._secret = secret
        self._creds = credentials(secret, token_uri)
        http = google_auth_httplib2.AuthorizedHttp(
            self._creds, http=httplib2.Http(timeout=timeout_s)
        )
        self._api = build(
            "calendar",
            "v3",
            http=http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": api_base},
        )

    async def aclose(self) -> None:
        return None

    def refreshed_secret(self) -> dict[str, Any] | None:
        if self._creds.token == self._secret.get("access_token"):
            return None
        expiry = self._creds.expiry.replace(tzinfo=UTC).isoformat() if self._creds.expiry else None
        return {**self._secret, "access_token": self._creds.token, "expires_at": expiry}

    async def _call(self, fn: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(fn)
        except HttpError as exc:
            status = int(exc.resp.status)
            if status >= 500 or status == 429:
                raise CalendarUnavailable(f"Google Calendar error {status}") from exc
            raise CalendarRefused(f"Google Calendar refused the request ({status})") from exc
        except RefreshError as exc:
            raise CalendarRefused("Google refused to refresh the access token") from exc
        except (OSError, httplib2.HttpLib2Error, TransportError) as exc:
            raise CalendarUnavailable(f"Google Calendar unreachable: {type(exc).__name__}") from exc

    async def check(self) -> None:
        await self._call(lambda: self._api.calendars().get(calendarId=self.calendar_id).execute())

    async def by_uid(self, uid: str) -> list[dict[str, Any]]:
        ev = self._api.events()
        resp = await self._call(
            lambda: ev.list(calendarId=self.calendar_id, iCalUID=uid, showDeleted=True).execute()
        )
        return list(resp.get("items", []))

    async def write(self, booking: Booking, stored: Stored) -> Written:
        copies = await self.by_uid(booking.uid)
        if not booking.live:
            for c in copies:
                if c.get("status") != "cancelled":
                    await self.remove(c["id"])
            return Written(None, None, copies[0]["id"] if copies else None)
        ev = self._api.events()
        body = event_body(booking)
        if not copies:
            made = await self._call(
                lambda: ev.insert(calendarId=self.calendar_id, body=body).execute()
            )
            return Written(None, made.get("etag"), made["id"])
        keep, *extra = sorted(copies, key=lambda c: c.get("status") == "cancelled")
        for c in extra:
            if c.get("status") != "cancelled":
                await self.remove(c["id"])
        done = await self._call(
            lambda: ev.patch(calendarId=self.calendar_id, eventId=keep["id"], body=body).execute()
        )
        return Written(None, done.get("etag"), done["id"])

    async def events(self) -> list[RemoteEvent]:
        out: list[RemoteEvent] = []
        page: str | None = None
        ev = self._api.events()
        while True:
            request = ev.list(
                calendarId=self.calendar_id, privateExtendedProperty=f"{MARK}=1", pageToken=page
            )
            resp = await self._call(request.execute)
            out.extend(
                RemoteEvent(
                    i["iCalUID"], i["id"], int(i.get("sequence", 0)), i.get("status") == "cancelled"
                )
                for i in resp.get("items", [])
            )
            page = resp.get("nextPageToken")
            if not page:
                return out

    async def remove(self, href: str) -> None:
        ev = self._api.events()
        try:
            await self._call(lambda: ev.delete(calendarId=self.calendar_id, eventId=href).execute())
        except CalendarRefused as exc:
            if "(404)" in str(exc) or "(410)" in str(exc):
                return  # already gone
            raise
