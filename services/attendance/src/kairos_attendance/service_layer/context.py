"""The attendance service's own parts, besides its unit of work: settings and mailer.

One typed :class:`Context`, built by ``bootstrap`` and handed to ``assemble(context=...)``
(``Service.context``): routes get it through ``entrypoints/deps.py``, jobs through
:func:`context_of`. The clock is the platform's (``kairos_platform.clock``), given to
``assemble`` and read as ``uow.now()``: no code below the entrypoints reads the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from kairos_attendance.service_layer.templates import QueuedMail
from kairos_attendance.settings import AttendanceSettings
from kairos_platform import mail
from kairos_platform.service import Service

#: sends queued mails (kairos_platform.mail.SmtpMailer with adapters.smtp.outgoing)
Mailer: TypeAlias = mail.Mailer[QueuedMail]


@dataclass(frozen=True)
class Context:
    settings: AttendanceSettings
    mailer: Mailer


def context_of(service: Service[Any]) -> Context:
    """The context of ``service`` (what ``bootstrap`` passed to ``assemble``)."""
    return service.context_as(Context)
