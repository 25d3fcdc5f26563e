"""E-mail invitations (iTIP over e-mail, RFC 6047) for participants without a calendar."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from kairos_calendar_sync.domain import ics
from kairos_calendar_sync.domain.bookings import Booking, Participant


@dataclass(frozen=True)
class Invitation:
    recipient: str
    method: str  # REQUEST | CANCEL
    subject: str
    body_text: str
    body_html: str
    ics: bytes


def _when(b: Booking) -> str:
    local = b.starts_at.astimezone(ZoneInfo(b.time_zone))
    return f"{local:%A %d %B %Y, %H:%M} ({b.time_zone})"


def _subject(b: Booking, first: bool) -> str:
    if not b.live:
        return f"Cancelled: {b.title} on {_when(b)}"
    return f"{'Invitation' if first else 'Updated'}: {b.title} on {_when(b)}"


def invitations(
    b: Booking, to: Iterable[Participant], *, first: bool, stamp: datetime
) -> list[Invitation]:
    """The mail about ``b`` as it now is for each of ``to`` with an address, all attaching
    the same .ics (it names both participants, so it is built once)."""
    people = [p for p in to if p.email]
    if not people:
        return []
    method = "REQUEST" if b.live else "CANCEL"
    document = ics.event_document(b, stamp=stamp, method=method)
    return [_invitation(b, p, method, document, first) for p in people]


def _invitation(
    b: Booking, to: Participant, method: str, document: bytes, first: bool
) -> Invitation:
    lines = [
        f"Hello {to.name or ''}".rstrip() + ",",
        "",
        (f"{b.title} on {_when(b)} is cancelled." if not b.live else f"{b.title} on {_when(b)}."),
    ]
    if b.live and b.meeting_url:
        lines.append(f"Join: {b.meeting_url}")
    lines += ["", "The attached invitation adds it to your calendar."]
    text = "\n".join(lines)
    body_html = (
        "<html><body>"
        + "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
        + "</body></html>"
    )
    return Invitation(
        recipient=to.email or "",
        method=method,
        subject=_subject(b, first),
        body_text=text,
        body_html=body_html,
        ics=document,
    )
