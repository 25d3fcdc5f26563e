"""Fixtures: a real Radicale and a real SMTP sink per test session, and per test a
calendar-sync service on a fresh PostgreSQL database with its HTTP app (real JWT
verification) and a Dispatcher delivering booking events exactly as the consumer would."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import text

from kairos_calendar_sync.bootstrap import bootstrap
from kairos_calendar_sync.service_layer.context import Context, context_of
from kairos_calendar_sync.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_calendar_sync.settings import CalendarSettings
from kairos_contracts import Envelope, Event
from kairos_contracts.events.booking import BookingConfirmed
from kairos_contracts.examples import example
from kairos_contracts.types import Person, Provider
from kairos_localstack.radicale import RadicaleServer
from kairos_localstack.smtp_sink import SmtpSink
from kairos_platform.messaging.consumer import Dispatcher
from kairos_platform.runtime import build_dispatcher
from kairos_platform.service import Service
from kairos_platform.testing_services import (
    auth_headers,
    deliver,
    outbox_rows,
    serve_migrated,
)

#: long enough that finding it in sealed bytes by chance is out of the question
E = TypeVar("E", bound=Event)

CALDAV_PASSWORD = "caldav-password-7d41c2"


@pytest.fixture(scope="session")
def radicale() -> Iterator[RadicaleServer]:
    root = Path(tempfile.mkdtemp(prefix="kairos-radicale-"))
    server = RadicaleServer(root / "data", log_file=root / "radicale.log")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def locked_radicale() -> Iterator[RadicaleServer]:
    """A Radicale that checks passwords (htpasswd): alice / secret."""
    root = Path(tempfile.mkdtemp(prefix="kairos-radicale-auth-"))
    server = RadicaleServer(root / "data", users={"alice": "secret"}, log_file=root / "r.log")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


class Dav:
    """Plays the user's own calendar app against Radicale (auth type none: any password)."""

    def __init__(self, server: RadicaleServer) -> None:
        self.server = server

    def calendar_url(self, user: str) -> str:
        return f"{self.server.url}{user}/kairos-{uuid.uuid4().hex[:8]}/"

    async def make_calendar(self, user: str) -> str:
        url = self.calendar_url(user)
        async with httpx.AsyncClient(auth=(user, "pw")) as c:
            resp = await c.request("MKCALENDAR", url)
            assert resp.status_code == 201, resp.text
        return url

    async def events(self, url: str, user: str) -> list[Any]:
        """Every VEVENT in the collection, parsed with icalendar, one per resource."""
        body = (
            '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop>'
            '<c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>'
        )
        import xml.etree.ElementTree as ET

        async with httpx.AsyncClient(auth=(user, "pw")) as c:
            resp = await c.request("REPORT", url, content=body, headers={"Depth": "1"})
        assert resp.status_code == 207, resp.text
        ns = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav"}
        out = []
        for r in ET.fromstring(resp.content).findall("d:response", ns):
            data = r.findtext(".//c:calendar-data", default="", namespaces=ns)
            if data:
                href = r.findtext("d:href", default="", namespaces=ns)
                for ev in Calendar.from_ical(data).walk("VEVENT"):
                    # the VEVENT with its resource's href beside it (icalendar has no slot
                    # for one): the tests read both off the same object
                    found: Any = ev
                    found.href = href
                    out.append(found)
        return out

    async def delete(self, href: str, user: str) -> None:
        async with httpx.AsyncClient(auth=(user, "pw")) as c:
            resp = await c.delete(f"{self.server.url.rstrip('/')}{href}")
            assert resp.status_code in (200, 204), resp.text


@dataclass
class Cal:
    service: Service[ServiceUnitOfWork]
    client: httpx.AsyncClient
    dispatcher: Dispatcher
    private_key: bytes

    @property
    def ctx(self) -> Context:
        return context_of(self.service)

    @property
    def uows(self) -> Callable[[], ServiceUnitOfWork]:
        """The SQL units of work: a ``ports.UowFactory`` for the service layer, and what
        the platform's mail job takes (its ``MailUow``)."""
        return self.service.uow_factory

    def auth(self, user_id: uuid.UUID, role: str = "mentee", **claims: Any) -> dict[str, str]:
        """A bearer token for ``user_id``; ``claims`` added (``zoneinfo``, ``email``...)."""
        return auth_headers(self.service, self.private_key, user_id, [role], claims)

    async def deliver(self, event: Event | Envelope) -> Any:
        return await deliver(self.dispatcher, event)

    async def connect_caldav(self, user_id: uuid.UUID, url: str, user: str) -> dict[str, Any]:
        resp = await self.client.post(
            "/connections",
            json={
                "kind": "caldav",
                "calendar_url": url,
                "username": user,
                "password": CALDAV_PASSWORD,
            },
            headers=self.auth(user_id),
        )
        assert resp.status_code == 201, resp.text
        connection: dict[str, Any] = resp.json()
        return connection

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.service.engine.connect() as conn:
            return list(await conn.execute(text(sql), params))

    async def execute(self, sql: str, **params: Any) -> None:
        async with self.service.engine.begin() as conn:
            await conn.execute(text(sql), params)

    async def outbox(self, event_type: str) -> list[dict[str, Any]]:
        return [r.payload["data"] for r in await outbox_rows(self.service, event_type)]


def settings_for(url: str, **extra: Any) -> CalendarSettings:
    return CalendarSettings(
        SERVICE_NAME="calendar-sync",
        DATABASE_URL=url,
        SYNC_BACKOFF_BASE_S=0.0,
        **extra,
    )


async def open_cal(url: str, keypair: tuple[bytes, bytes], **kw: Any) -> Cal:
    service = bootstrap(kw.pop("settings", None) or settings_for(url), **kw)
    _, client = await serve_migrated(service, keypair[1], "http://calendar")
    return Cal(service, client, build_dispatcher(service), keypair[0])


@pytest.fixture
async def cal(
    fresh_database: str, keypair: tuple[bytes, bytes], smtp_sink: SmtpSink
) -> AsyncIterator[Cal]:
    settings = settings_for(fresh_database, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_sink.port))
    c = await open_cal(fresh_database, keypair, settings=settings)
    yield c
    await c.client.aclose()
    await c.service.engine.dispose()


@pytest.fixture
def dav(radicale: RadicaleServer) -> Dav:
    return Dav(radicale)


def people(mentee_email: str | None = None) -> tuple[Provider, Person]:
    mentor = Provider(
        provider_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        email=f"mentor-{uuid.uuid4().hex[:6]}@example.org",
        display_name="Dr. Ruiz",
    )
    mentee = Person(
        user_id=uuid.uuid4(),
        email=mentee_email or f"mentee-{uuid.uuid4().hex[:6]}@example.org",
        display_name="Ana",
    )
    return mentor, mentee


#: spreads the bookings ``confirmed`` makes over 50 days
_offsets = itertools.count()


def confirmed(provider: Provider, mentee: Person, **overrides: Any) -> BookingConfirmed:
    start = datetime(2030, 3, 31, 8, 0, tzinfo=UTC) + timedelta(days=next(_offsets) % 50)
    values: dict[str, Any] = {
        "booking_id": uuid.uuid4(),
        "sequence": 0,
        "provider": provider,
        "mentee": mentee,
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "provider_time_zone": "Europe/Madrid",
    }
    return example(BookingConfirmed, **(values | overrides))


_COMMON = (
    "booking_id",
    "offering_id",
    "offering_title",
    "provider",
    "mentee",
    "provider_time_zone",
    "payment_id",
    "payment_method",
    "meeting_url",
    "starts_at",
    "ends_at",
)


def follow(cls: type[E], base: Event, sequence: int, **overrides: Any) -> E:
    """The next event of ``base``'s booking (same booking, participants and times)."""
    values = {k: getattr(base, k) for k in _COMMON} | {"sequence": sequence}
    return example(cls, **(values | overrides))
