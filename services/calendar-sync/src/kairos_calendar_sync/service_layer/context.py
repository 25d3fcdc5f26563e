"""The calendar-sync service's own parts, besides its unit of work: settings, calendar
clients, sealed secrets, the retry policy and the mailer.

One typed :class:`Context`, built by ``bootstrap`` and handed to ``assemble(context=...)``
(``Service.context``): routes get it through ``entrypoints/deps.py``, jobs through
:func:`context_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from kairos_calendar_sync.adapters.mail_repository import Mail
from kairos_calendar_sync.domain.rules import RetryPolicy
from kairos_calendar_sync.service_layer.calendars import ClientFactory
from kairos_calendar_sync.service_layer.compose import Composer
from kairos_calendar_sync.settings import CalendarSettings
from kairos_platform import mail
from kairos_platform.service import Service


class Box(Protocol):
    def seal(self, secret: dict[str, Any]) -> bytes: ...

    def open(self, sealed: bytes) -> dict[str, Any]: ...


#: sends queued invitations (kairos_platform.mail.SmtpMailer with adapters.smtp.outgoing)
Mailer: TypeAlias = mail.Mailer[Mail]


@dataclass(frozen=True)
class Context:
    settings: CalendarSettings
    clients: ClientFactory
    box: Box
    policy: RetryPolicy
    mailer: Mailer
    composer: Composer

    @property
    def batch_size(self) -> int:
        """Entries (and invitations) a worker claims at a time."""
        return self.settings.sync_batch_size

    @property
    def lease_s(self) -> float:
        """A claimed row is its worker's this long (longer than any calendar call)."""
        return self.settings.sync_lease_s

    @property
    def mail_policy(self) -> mail.MailPolicy:
        """Invitations go MAIL_BATCH_SIZE at a time; they are leased, retried and polled
        for as calendar entries are."""
        return mail.MailPolicy(
            batch_size=self.settings.mail_batch_size,
            lease_s=self.lease_s,
            poll_interval_s=self.settings.sync_poll_interval_s,
            backoff_s=self.policy.backoff_s,
            sessions=self.settings.mail_sessions,
        )


def context_of(service: Service[Any]) -> Context:
    """The context of ``service`` (what ``bootstrap`` passed to ``assemble``)."""
    return service.context_as(Context)
