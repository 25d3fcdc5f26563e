"""An SMTP client on the event loop: one session sends a batch of messages, pipelined.

With PIPELINING (RFC 2920), which the server announces, a message's content, its end and
the next message's MAIL, RCPT and DATA go in one write: one round trip a message instead
of four, and no thread. smtplib, which the mail job ran in a worker thread, waited for
each answer in turn, and each answer woke a thread that then waited for the GIL while the
event loop rendered mails. A server without PIPELINING gets one command at a time.

:func:`send_messages` reports how far it got: the server accepted the first ``sent``
messages, in order; the error says why the next one was not taken.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

_LINE_ENDS = re.compile(rb"\r\n|\n|\r(?!\n)")


class SmtpRefused(Exception):
    """The server answered a command with a code other than the one that goes on."""


@dataclass(frozen=True)
class _Reply:
    code: int
    lines: list[str]

    def __str__(self) -> str:
        return f"{self.code} {' '.join(self.lines)}".strip()


@cache
def _hostname() -> str:
    """Our name in EHLO (looked up once: ``getfqdn`` may ask a resolver)."""
    return socket.getfqdn()


def _data(message: bytes) -> bytes:
    """``message`` as DATA sends it: CRLF line ends, a leading period doubled (RFC 5321
    4.5.2), the end marker after it."""
    crlf = message.count(b"\r\n")
    if message.count(b"\n") != crlf or message.count(b"\r") != crlf:
        message = _LINE_ENDS.sub(b"\r\n", message)
    if message.startswith(b"."):
        message = b"." + message
    message = message.replace(b"\r\n.", b"\r\n..")
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return message + b".\r\n"


class _Session:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout_s: float
    ) -> None:
        self.reader, self.writer, self.timeout_s = reader, writer, timeout_s
        #: messages the server took so far
        self.sent = 0

    async def reply(self) -> _Reply:
        lines: list[str] = []
        async with asyncio.timeout(self.timeout_s):
            while True:
                raw = await self.reader.readline()
                if not raw:
                    raise ConnectionError("the SMTP server closed the connection")
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                lines.append(text[4:])
                if len(text) < 4 or text[3] != "-":
                    return _Reply(int(text[:3]), lines)

    async def expect(self, *codes: int) -> _Reply:
        reply = await self.reply()
        if reply.code not in codes:
            raise SmtpRefused(str(reply))
        return reply

    def write(self, *commands: str | bytes) -> None:
        """One write (one send) for what goes together: a message and the next envelope."""
        self.writer.write(
            b"".join(c if isinstance(c, bytes) else c.encode() + b"\r\n" for c in commands)
        )

    async def command(self, line: str, *codes: int) -> _Reply:
        self.write(line)
        return await self.expect(*codes)

    async def hello(self) -> bool:
        """EHLO (HELO when the server does not know it); whether it pipelines."""
        await self.expect(220)
        self.write(f"EHLO {_hostname()}")
        ehlo = await self.reply()
        if ehlo.code != 250:
            await self.command(f"HELO {_hostname()}", 250)
            return False
        return any(line.upper().split(" ", 1)[0] == "PIPELINING" for line in ehlo.lines[1:])

    async def quit(self) -> None:
        try:
            await self.command("QUIT", 221)
        except (OSError, SmtpRefused):
            pass  # the messages were taken already


def _envelope(sender: str, recipient: str) -> list[str]:
    return [f"MAIL FROM:<{sender}>", f"RCPT TO:<{recipient}>", "DATA"]


#: what each command of the envelope must be answered with to go on
_GOES_ON: tuple[tuple[int, ...], ...] = ((250,), (250, 251), (354,))


async def _send_all(
    s: _Session,
    pipelining: bool,
    sender: str,
    messages: Sequence[tuple[str, bytes]],
    deadline: float | None,
) -> None:
    """The messages over ``s``, in order, counted in ``s.sent`` as the server takes them;
    :class:`_Stopped` at the first one it refuses. None is started once the loop's clock
    reads ``deadline``: the session ends there (a pipelined envelope already answered is
    dropped with the connection, its message never sent)."""
    clock = asyncio.get_running_loop().time
    if pipelining:
        s.write(*_envelope(sender, messages[0][0]))
    for i, (recipient, message) in enumerate(messages):
        if pipelining:
            replies = [await s.reply() for _ in _GOES_ON]
            for reply, codes in zip(replies, _GOES_ON, strict=True):
                if reply.code not in codes:
                    raise _Stopped(f"{recipient}: {reply}")
            following = _envelope(sender, messages[i + 1][0]) if i + 1 < len(messages) else []
        else:
            try:
                for line, codes in zip(_envelope(sender, recipient), _GOES_ON, strict=True):
                    await s.command(line, *codes)
            except SmtpRefused as exc:
                raise _Stopped(f"{recipient}: {exc}") from None
            following = []
        if deadline is not None and clock() >= deadline:
            return
        s.write(_data(message), *following)
        done = await s.reply()
        if done.code != 250:
            raise _Stopped(f"{recipient}: {done}")
        s.sent += 1


class _Stopped(Exception):
    """The server refused a message (the ones before it were taken)."""


async def send_messages(
    host: str,
    port: int,
    sender: str,
    messages: Sequence[tuple[str, bytes]],
    timeout_s: float = 10.0,
    deadline: float | None = None,
) -> tuple[int, str | None]:
    """``messages`` (recipient, message bytes) from ``sender`` over one session: how many
    the server took, in order, and why it took no more (None: all of them, or the rest
    not started because the event loop's clock read ``deadline``)."""
    if not messages:
        return 0, None
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as exc:
        return 0, f"SMTP: {type(exc).__name__}: {exc}"
    session = _Session(reader, writer, timeout_s)
    try:
        pipelining = await session.hello()
        await _send_all(session, pipelining, sender, messages, deadline)
        if session.sent == len(messages):
            await session.quit()
    except _Stopped as exc:
        return session.sent, f"SMTP: refused {exc}"
    except (OSError, TimeoutError, SmtpRefused, ValueError) as exc:
        return session.sent, f"SMTP: {type(exc).__name__}: {exc}"
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
    return session.sent, None
