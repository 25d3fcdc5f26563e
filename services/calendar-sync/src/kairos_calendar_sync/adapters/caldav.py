"""A small CalDAV client (RFC 4791) on httpx: exactly what calendar-sync needs.

Each booking lives at a deterministic resource, ``<collection>/<uid>.ics``, so a replay or
a second worker can only ever address the same resource. Writes are conditional:
``If-None-Match: *`` to create, ``If-Match: <etag>`` to replace what we last saw. A stored
etag that is stale (412) or a resource deleted meanwhile (404) is never a dead end: we
look at what is there now and write again.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from icalendar import Calendar

from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.domain.bookings import UID_DOMAIN, Booking
from kairos_calendar_sync.service_layer.calendars import (
    CalendarRefused,
    CalendarUnavailable,
    RemoteEvent,
    Stored,
    Written,
)
from kairos_platform.clock import Clock, system_clock

NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav"}
_PROPFIND = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
    "<d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>"
)
_QUERY = (
    '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" '
    'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>'
    '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/>'
    "</c:comp-filter></c:filter></c:calendar-query>"
)


class CalDavClient:
    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        timeout_s: float = 10.0,
        clock: Clock = system_clock,
    ) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self._clock = clock  # the DTSTAMP of what we write
        self._http = httpx.AsyncClient(auth=(username, password), timeout=timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    def refreshed_secret(self) -> dict[str, Any] | None:
        return None

    def href_for(self, uid: str) -> str:
        return unquote(urlsplit(self.url).path) + uid + ".ics"

    async def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        try:
            resp = await self._http.request(method, url, **kw)
        except httpx.HTTPError as exc:
            raise CalendarUnavailable(f"calendar server unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 500:
            raise CalendarUnavailable(f"calendar server error {resp.status_code}")
        if resp.status_code in (401, 403):
            raise CalendarRefused(
                f"the calendar server refused the credentials ({resp.status_code})"
            )
        return resp

    async def check(self) -> None:
        resp = await self._send("PROPFIND", self.url, content=_PROPFIND, headers={"Depth": "0"})
        if resp.status_code == 404:
            raise CalendarRefused("there is no calendar at this URL")
        if resp.status_code != 207:
            raise CalendarRefused(f"the server answered {resp.status_code} to PROPFIND")
        root = ET.fromstring(resp.content)
        if root.find(".//d:resourcetype/c:calendar", NS) is None:
            raise CalendarRefused("this URL is not a calendar collection")

    async def write(self, booking: Booking, stored: Stored) -> Written:
        href = self.href_for(booking.uid)
        url = urljoin(self.url, href)
        body = ics.event_document(booking, stamp=self._clock())
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if stored.etag and stored.href == href:
            resp = await self._send(
                "PUT", url, content=body, headers={**headers, "If-Match": stored.etag}
            )
            if resp.is_success:
                return Written(href, resp.headers.get("ETag"))
            # 412: changed since we wrote it; 404: deleted. Either way, start afresh.
        create = {**headers, "If-None-Match": "*"}
        resp = await self._send("PUT", url, content=body, headers=create)
        if resp.status_code == 409:
            # RFC 4791 no-uid-conflict: our UID sits at another href (someone's copy).
            # One event per UID: remove the foreign copy, then write ours.
            await self._remove_foreign(booking.uid, href)
            resp = await self._send("PUT", url, content=body, headers=create)
        if resp.is_success:
            return Written(href, resp.headers.get("ETag"))
        if resp.status_code != 412:
            raise CalendarRefused(f"the server refused the event ({resp.status_code})")
        return await self._overwrite(url, href, booking, body, headers)

    async def _overwrite(
        self, url: str, href: str, booking: Booking, body: bytes, headers: dict[str, str]
    ) -> Written:
        """The resource exists (an earlier write of ours, or a restore): replace it unless
        it already holds a newer SEQUENCE (then a later write won; leave it)."""
        current = await self._send("GET", url)
        etag = current.headers.get("ETag")
        if current.is_success and _sequence(current.content) > booking.sequence:
            return Written(href, etag)
        if_match = {"If-Match": etag} if etag else {}
        resp = await self._send("PUT", url, content=body, headers={**headers, **if_match})
        if not resp.is_success:
            raise CalendarUnavailable(f"the event changed while we wrote it ({resp.status_code})")
        return Written(href, resp.headers.get("ETag"))

    async def _remove_foreign(self, uid: str, href: str) -> None:
        for ev in await self.events():
            if ev.uid == uid and ev.href != href:
                await self.remove(ev.href)

    async def events(self) -> list[RemoteEvent]:
        resp = await self._send(
            "REPORT",
            self.url,
            content=_QUERY,
            headers={"Depth": "1", "Content-Type": "application/xml"},
        )
        if resp.status_code != 207:
            raise CalendarRefused(f"the server answered {resp.status_code} to REPORT")
        out: list[RemoteEvent] = []
        for r in ET.fromstring(resp.content).findall("d:response", NS):
            # Servers differ in percent-encoding ('@' vs '%40'): compare decoded paths.
            href = unquote(r.findtext("d:href", default="", namespaces=NS))
            data = r.findtext(".//c:calendar-data", default="", namespaces=NS)
            out.extend(_ours(href, data.encode()))
        return out

    async def remove(self, href: str) -> None:
        resp = await self._send("DELETE", urljoin(self.url, href))
        if not resp.is_success and resp.status_code not in (404, 410):
            raise CalendarRefused(f"the server refused to delete ({resp.status_code})")


def _sequence(document: bytes) -> int:
    try:
        cal = Calendar.from_ical(document)
    except ValueError:
        return -1
    return max((int(ev.get("SEQUENCE", 0)) for ev in cal.walk("VEVENT")), default=-1)


def _ours(href: str, document: bytes) -> list[RemoteEvent]:
    """The VEVENTs of one resource whose UID is one of ours."""
    if not document:
        return []
    cal = Calendar.from_ical(document)
    return [
        RemoteEvent(
            uid=str(ev["UID"]),
            href=href,
            sequence=int(ev.get("SEQUENCE", 0)),
            cancelled=str(ev.get("STATUS", "")).upper() == "CANCELLED",
        )
        for ev in cal.walk("VEVENT")
        if str(ev.get("UID", "")).endswith(f"@{UID_DOMAIN}")
    ]
