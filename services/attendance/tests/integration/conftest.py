"""Fixtures: a real SMTP sink per test session, and per test an attendance service on a
fresh PostgreSQL database with its HTTP app (real JWT verification), a Dispatcher
delivering booking events exactly as the consumer would, and a pinned, movable clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from kairos_attendance.adapters.smtp import outgoing
from kairos_attendance.bootstrap import bootstrap
from kairos_attendance.service_layer.context import Context, context_of
from kairos_attendance.service_layer.templates import QueuedMail
from kairos_attendance.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_attendance.settings import AttendanceSettings
from kairos_contracts import Envelope, Event
from kairos_contracts.events.calendar import MailPreferencesChanged
from kairos_contracts.types import Person, Provider
from kairos_localstack.smtp_sink import SmtpSink
from kairos_platform.mail import SmtpMailer, send_once
from kairos_platform.messaging.consumer import Dispatcher
from kairos_platform.runtime import build_dispatcher
from kairos_platform.service import Service
from kairos_platform.testing_services import (
    auth_headers,
    deliver,
    outbox_rows,
    serve_migrated,
)

# the sessions booking announces, made as the unit tests make them
from ..unit.fakes import Programme as Programme


@dataclass
class Clock:
    """The service's clock in tests: pinned, moved by hand."""

    now: datetime = field(default_factory=lambda: datetime(2030, 1, 1, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Att:
    service: Service[ServiceUnitOfWork]
    client: httpx.AsyncClient
    dispatcher: Dispatcher
    private_key: bytes
    clock: Clock
    mailer: SmtpMailer[QueuedMail]

    @property
    def ctx(self) -> Context:
        return context_of(self.service)

    @property
    def uows(self) -> Callable[[], ServiceUnitOfWork]:
        return self.service.uow_factory

    def auth(self, user_id: uuid.UUID, role: str = "mentee") -> dict[str, str]:
        return auth_headers(self.service, self.private_key, user_id, [role])

    async def deliver(self, event: Event | Envelope) -> Any:
        return await deliver(self.dispatcher, event)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.service.engine.connect() as conn:
            return list(await conn.execute(text(sql), params))

    async def outbox(self, event_type: str) -> list[dict[str, Any]]:
        return [r.payload["data"] for r in await outbox_rows(self.service, event_type)]

    async def envelopes(self, event_type: str) -> list[Envelope]:
        return [
            Envelope.model_validate(r.payload) for r in await outbox_rows(self.service, event_type)
        ]

    async def send_once(self) -> int:
        """One pass of the mail job (kairos_platform.mail.send_once)."""
        return await send_once(self.uows, self.mailer, self.ctx.settings.mail_policy)

    async def send_mails(self) -> None:
        while await self.send_once():
            pass


def settings_for(url: str, smtp_port: int, **extra: Any) -> AttendanceSettings:
    return AttendanceSettings(
        SERVICE_NAME="attendance", DATABASE_URL=url, SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_port, MAIL_BACKOFF_BASE_S=0, **extra,
    )  # fmt: skip


async def open_att(
    url: str, keypair: tuple[bytes, bytes], smtp_port: int, clock: Clock, **extra: Any
) -> Att:
    settings = settings_for(url, smtp_port, **extra)
    mailer = SmtpMailer("127.0.0.1", smtp_port, settings.smtp_from, outgoing)
    service = bootstrap(settings, mailer=mailer, clock=clock)
    _, client = await serve_migrated(service, keypair[1], "http://attendance")
    return Att(service, client, build_dispatcher(service), keypair[0], clock, mailer)


@pytest.fixture
async def att(
    fresh_database: str, keypair: tuple[bytes, bytes], smtp_sink: SmtpSink
) -> AsyncIterator[Att]:
    a = await open_att(fresh_database, keypair, smtp_sink.port or 0, Clock())
    yield a
    await a.client.aclose()
    await a.service.engine.dispose()


def mentor(name: str = "Ada") -> Provider:
    tag = uuid.uuid4().hex[:6]
    return Provider(
        provider_id=uuid.uuid4(), user_id=uuid.uuid4(),
        email=f"mentor-{tag}@example.org", display_name=name,
    )  # fmt: skip


def mentee(name: str = "Ana") -> Person:
    tag = uuid.uuid4().hex[:6]
    return Person(user_id=uuid.uuid4(), email=f"mentee-{tag}@example.org", display_name=name)


def preferences_changed(
    user_id: uuid.UUID, zone: str | None, locale: str | None, at: datetime
) -> Envelope:
    """calendar-sync's announcement of ``user_id``'s mail zone and locale as of ``at``."""
    event = MailPreferencesChanged(user_id=user_id, time_zone=zone, locale=locale, changed_at=at)
    return Envelope.wrap(event, source="calendar-sync")
