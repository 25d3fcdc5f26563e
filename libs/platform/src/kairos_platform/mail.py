"""Mails over SMTP for every service's mail job: a batch goes over one SMTP session.

A session per mail (connect, EHLO, QUIT and a worker thread each time) and the ``email``
package's default policy, which re-parses every header through its registry while it
writes the message, cost calendar-sync two thirds of its CPU per paid booking. Messages are
built with the ``compat32`` classes instead (the same MIME structure: text and HTML
alternatives, an optional attachment), and sent over one connection in a worker thread,
since smtplib blocks.

``deliver`` reports how far it got: the server accepted the first ``sent`` mails of the
batch, in order, and ``error`` says why the next one was not taken (the server is down or
refused it). The job marks what was sent and retries the rest later.

The mail job (:func:`send_once`, :func:`run_mail_job`) is the same for every service: rows
of its ``email_outbox`` (a ``kairos_platform.leased_queue``) are claimed with SKIP LOCKED
and a lease, so replicas never send the same row at the same time; a batch goes out over
one SMTP session (:class:`SmtpMailer`) and its outcome is recorded in one transaction. The
one window left is a crash after the SMTP server accepted mails of a batch and before they
were marked: those go again with the same Message-ID, which mail clients fold into one.
"""

from __future__ import annotations

import asyncio
import binascii
import functools
import logging
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.policy import Compat32
from email.utils import formatdate, parseaddr, quote
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar, cast

from kairos_platform import smtp
from kairos_platform.jobs import run_loop
from kairos_platform.settings import MailSettings

log = logging.getLogger(__name__)

#: a header value compat32 writes as it is when it fits on the line: printable ASCII words
#: between single spaces
_PLAIN_HEADER = re.compile(r"[!-~]+(?: [!-~]+)*")


class _Wire(Compat32):
    """compat32 with CRLF line ends (SMTP wants them, and smtplib leaves bytes as they are)
    and a short cut: a plain header that fits on its line is written without building an
    ``email.header.Header`` to find out that nothing needs folding or encoding (that was
    the largest part of building a message). The output is compat32's."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(value, str) and _PLAIN_HEADER.fullmatch(value):
            if len(name) + 2 + len(value) <= (self.max_line_length or 78):
                return f"{name}: {value}{self.linesep}"
            if " " not in value and len(value) < 998:
                # one word too long for the name's line (an unsubscribe URL): compat32
                # moves it whole to a continuation line
                return f"{name}: {self.linesep} {value}{self.linesep}"
        return cast(str, super()._fold(name, value, sanitize))  # type: ignore[misc]


_WIRE = _Wire(linesep="\r\n")


def _boundary() -> str:
    """A MIME boundary: random, and short enough that ``Content-Type: multipart/alternative;
    boundary="..."`` fits on one line (no folding to work out). No part can contain it:
    every part is base64, whose lines never start with "--"."""
    return f"=_{random.getrandbits(96):024x}"


@functools.lru_cache(maxsize=4096)
def _subject(subject: str) -> str:
    """The Subject header line: as it is when ASCII, else RFC 2047 words (as compat32
    writes a ``Header``). Kept per subject: mails sent together often share theirs, and
    encoding one is most of a message's headers."""
    value = subject if subject.isascii() else cast(str, Header(subject, "utf-8"))
    return _WIRE.fold("Subject", value)


@dataclass(frozen=True)
class Attachment:
    content: bytes
    subtype: str  # of text/: "calendar"
    filename: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    subject: str
    # Stable per mail: a mail sent again after a crash keeps it, and clients show it once.
    message_id: str
    text: str
    html: str
    attachment: Attachment | None = None
    #: one-click unsubscribe (RFC 8058): the HTTPS URL a mail client POSTs to
    unsubscribe_url: str | None = None


@dataclass(frozen=True)
class Delivery:
    sent: int
    error: str | None = None


def mime(mail: Outgoing, sender: str) -> bytes:
    """The message as bytes: multipart/mixed of (text | html alternatives) and the attachment;
    multipart/alternative alone when there is none."""
    return message_bytes(mail, sender, formatdate(localtime=False), _boundary(), _boundary())


def message_bytes(mail: Outgoing, sender: str, date: str, inner: str, outer: str) -> bytes:
    """What ``email.mime`` with the compat32 policy writes for this mail, byte for byte,
    written out directly: the ``email`` package's message objects, their header registry
    and its generator cost ~0.4 ms a mail, most of a mail's CPU in the mail job. Headers
    are folded by the policy itself; bodies are base64 as ``MIMEText`` encodes utf-8."""
    alternatives = _multipart_body(inner, [_text("plain", mail.text), _text("html", mail.html)])
    headers = _message_headers(mail, sender, date)
    if mail.attachment is None:
        return (_head(inner, "alternative") + headers + "\r\n" + alternatives).encode()
    a = mail.attachment
    params = "".join(f'; {name}="{quote(value)}"' for name, value in a.params.items())
    attachment = (
        _headers(
            [
                _MIME_VERSION,
                _BASE64,
                ("Content-Type", f'text/{a.subtype}; charset="utf-8"{params}'),
                ("Content-Disposition", f'attachment; filename="{quote(a.filename)}"'),
            ]
        )
        + "\r\n"
        + _base64(a.content)
    )
    body = _head(inner, "alternative") + "\r\n" + alternatives
    mixed = _multipart_body(outer, [body, attachment])
    return (_head(outer, "mixed") + headers + "\r\n" + mixed).encode()


_MIME_VERSION = ("MIME-Version", "1.0")
_BASE64 = ("Content-Transfer-Encoding", "base64")


def _headers(pairs: list[tuple[str, str]]) -> str:
    return "".join(_WIRE.fold(name, value) for name, value in pairs)


def _head(boundary: str, subtype: str) -> str:
    return _headers(
        [("Content-Type", f'multipart/{subtype}; boundary="{boundary}"'), _MIME_VERSION]
    )


def _message_headers(mail: Outgoing, sender: str, date: str) -> str:
    pairs = [
        ("From", sender),
        ("To", mail.recipient),
    ]
    head = _headers(pairs) + _subject(mail.subject)
    pairs = [
        ("Date", date),
        ("Message-ID", f"<{mail.message_id}@kairos>"),
    ]
    if mail.unsubscribe_url is not None:
        pairs.append(("List-Unsubscribe", f"<{mail.unsubscribe_url}>"))
        pairs.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    return head + _headers(pairs)


def _text(subtype: str, text: str) -> str:
    head = _headers([("Content-Type", f'text/{subtype}; charset="utf-8"'), _MIME_VERSION, _BASE64])
    return head + "\r\n" + _base64(text.encode())


def _base64(data: bytes) -> str:
    """``data`` in base64 lines of 76 characters ending CRLF, as ``MIMEText`` encodes a
    body (``email.base64mime``), from one encoding instead of one call per line."""
    encoded = binascii.b2a_base64(data, newline=False).decode("ascii")
    return "".join(encoded[i : i + 76] + "\r\n" for i in range(0, len(encoded), 76))


def _multipart_body(boundary: str, parts: list[str]) -> str:
    return f"--{boundary}\r\n" + f"\r\n--{boundary}\r\n".join(parts) + f"\r\n--{boundary}--\r\n"


class SmtpSender:
    def __init__(self, host: str, port: int, sender: str, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout_s = host, port, sender, timeout_s
        self._envelope_from = parseaddr(sender)[1] or sender

    async def deliver(self, batch: Sequence[Outgoing], deadline: float | None = None) -> Delivery:
        messages = [(m.recipient, mime(m, self.sender)) for m in batch]
        sent, error = await smtp.send_messages(
            self.host, self.port, self._envelope_from, messages, self.timeout_s, deadline
        )
        return Delivery(sent, error)


M = TypeVar("M", contravariant=True)
Q = TypeVar("Q", bound="Queued")


class Mailer(Protocol[M]):
    async def send(self, mails: Sequence[M], deadline: float | None = None) -> Delivery:
        """Send in order, stopping at the first mail the server does not take, and before
        any mail once the event loop's clock reads ``deadline`` (the rest not tried)."""
        ...


class SmtpMailer(Generic[M]):
    """A service's mails over SMTP, a batch per session: ``outgoing`` makes each mail the
    message it is (the service's templates, attachments, Message-ID)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        outgoing: Callable[[M], Outgoing],
        timeout_s: float = 10.0,
    ) -> None:
        self._smtp = SmtpSender(host, port, sender, timeout_s)
        self._outgoing = outgoing

    @classmethod
    def of(cls, settings: MailSettings, outgoing: Callable[[M], Outgoing]) -> SmtpMailer[M]:
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_from, outgoing)

    async def send(self, mails: Sequence[M], deadline: float | None = None) -> Delivery:
        return await self._smtp.deliver([self._outgoing(m) for m in mails], deadline)


class Queued(Protocol):
    """A claimed row of a service's mail queue."""

    @property
    def id(self) -> int: ...
    @property
    def attempts(self) -> int: ...


class MailQueue(Protocol[Q]):
    """The mail queue's repository (a ``LeasedQueue``): what the mail job needs of it."""

    async def claim(self, limit: int, lease_s: float) -> list[Q]: ...
    async def oldest_unsent_age_s(self) -> float | None: ...
    async def settle(
        self, ids: Sequence[int], done: int, error: str | None, backoff_s: float
    ) -> None: ...


class MailUow(Protocol[Q]):
    """A unit of work with the service's mail queue as ``mails``."""

    @property
    def mails(self) -> MailQueue[Q]: ...
    async def commit(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@dataclass(frozen=True)
class MailPolicy:
    """How a service's mail job paces itself."""

    batch_size: int
    #: a claimed row is the worker's this long (longer than a batch's SMTP session)
    lease_s: float
    #: the job looks for due mails this often when it found none (or SMTP refused)
    poll_interval_s: float
    #: seconds before a mail the server did not take is tried again, by its attempts so far
    backoff_s: Callable[[int], float]
    #: SMTP sessions at once, each sending its own claimed batch: a session spends most
    #: of its time waiting for the server's answers, which others overlap. A session
    #: starts no mail of its batch after half of ``lease_s`` (see :func:`send_once`)
    sessions: int = 1


def exponential_backoff(base_s: float, max_s: float) -> Callable[[int], float]:
    """``base_s``, twice that, four times... after the 1st, 2nd, 3rd... failure, capped."""

    def backoff_s(failures: int) -> float:
        if failures <= 0:
            return 0.0
        return float(min(max_s, base_s * 2 ** (failures - 1)))

    return backoff_s


async def send_once(
    uow_factory: Callable[[], MailUow[Q]], mailer: Mailer[Q], policy: MailPolicy
) -> int:
    """One batch through ``mailer``; how many mails were claimed (0: nothing due, or the
    server did not take one: the job waits before it tries again).

    A mail is started only in the first half of the batch's lease: once the lease runs
    out another worker may claim the rows, and a mail of them sent by both would go twice
    (a process starved of CPU took minutes over a batch). What is not started by then goes
    back to the queue as untried."""
    claimed_at = asyncio.get_running_loop().time()
    async with uow_factory() as uow:
        batch = await uow.mails.claim(policy.batch_size, policy.lease_s)
        await uow.commit()
    if not batch:
        return 0
    delivery = await mailer.send(batch, deadline=claimed_at + policy.lease_s / 2)
    wait_s = 0.0
    if delivery.error is not None and delivery.sent < len(batch):
        failed = batch[delivery.sent]
        log.warning("mail %s not sent yet: %s", failed.id, delivery.error)
        wait_s = policy.backoff_s(failed.attempts + 1)
    async with uow_factory() as uow:
        await uow.mails.settle([q.id for q in batch], delivery.sent, delivery.error, wait_s)
        await uow.commit()
    return 0 if delivery.error is not None else len(batch)


async def run_mail_job(
    stop: asyncio.Event,
    uow_factory: Callable[[], MailUow[Q]],
    mailer: Mailer[Q],
    policy: MailPolicy,
) -> None:
    """The mail job: a batch at a time per session (``policy.sessions`` at once, each
    claiming its own rows as replicas do) while mails are due, until ``stop``."""
    await asyncio.gather(
        *(
            run_loop(
                stop,
                lambda: send_once(uow_factory, mailer, policy),
                policy.poll_interval_s,
                name="mail job",
            )
            for _ in range(max(1, policy.sessions))
        )
    )
