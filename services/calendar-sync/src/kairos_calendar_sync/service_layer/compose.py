"""Mails as rows to queue: who gets which mail about a session or a payment, in whose
zone and locale, with which links. Rendering is ``domain.mails``; this picks the reader,
the facts, the key that keeps each mail single, and the unsubscribe link."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace

from kairos_calendar_sync.adapters.mail_repository import NewMail
from kairos_calendar_sync.domain import unsubscribe
from kairos_calendar_sync.domain.bookings import Booking, Participant
from kairos_calendar_sync.domain.mails import (
    Links,
    MailKind,
    ReceiptFacts,
    Rendered,
    SessionFacts,
    Topic,
    render,
    topic_of,
)
from kairos_calendar_sync.domain.people import Person


def _who(recipient: str) -> str:
    """A recipient in a key without their address (keys are Message-IDs, seen by all)."""
    return hashlib.sha256(recipient.encode()).hexdigest()[:12]


def _mail(
    kind: MailKind,
    key: str,
    recipient: str,
    user_id: uuid.UUID,
    shown: Rendered,
    booking_id: uuid.UUID | None,
) -> NewMail:
    """``shown`` as a row to queue, keyed by ``key`` and the recipient."""
    return NewMail(
        mail_key=f"{key}.{_who(recipient)}",
        kind=kind,
        recipient=recipient,
        subject=shown.subject,
        body_text=shown.text,
        body_html=shown.html,
        user_id=user_id,
        booking_id=booking_id,
    )


@dataclass(frozen=True)
class Composer:
    #: where people reach Kairos (the gateway): the links in mails start here
    public_url: str
    #: signs one-click unsubscribe links
    link_key: bytes

    def links(self, user_id: uuid.UUID, topic: Topic | None) -> Links:
        base = self.public_url.rstrip("/")
        preferences = f"{base}/preferences"
        if topic is None:
            return Links(preferences_url=preferences)
        token = unsubscribe.sign(self.link_key, user_id, topic)
        return Links(
            unsubscribe_url=f"{base}/api/calendar/unsubscribe/{token}",
            preferences_url=preferences,
        )

    def session_facts(self, b: Booking, to: Participant) -> SessionFacts:
        """What a mail about ``b`` tells ``to``; the caller adds what its event adds."""
        mentor = to.user_id == b.provider.user_id
        other = b.mentee if mentor else b.provider
        return SessionFacts(
            title=b.title,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            provider_time_zone=b.time_zone,
            role="mentor" if mentor else "mentee",
            other_name=other.name,
            meeting_url=b.meeting_url if b.live else None,
            calendar_attached=False,
        )

    def about_session(
        self,
        kind: MailKind,
        b: Booking,
        to: Participant,
        person: Person,
        facts: SessionFacts,
        *,
        key: str,
        ics: bytes | None = None,
        method: str | None = None,
    ) -> NewMail | None:
        """The mail of ``kind`` about ``b`` to ``to``; None when they have no address or
        unsubscribed from its topic."""
        topic = topic_of(kind)
        if not to.email or not person.receives(topic):
            return None
        links = self.links(to.user_id, topic)
        facts = replace(facts, calendar_attached=ics is not None)
        shown = render(kind, person.reader(b.time_zone), facts, links)
        return replace(
            _mail(kind, key, to.email, to.user_id, shown, b.booking_id),
            sequence=b.sequence,
            ics=ics,
            method=method if ics is not None else None,
            unsubscribe_url=links.unsubscribe_url,
        )

    def receipt(
        self,
        kind: MailKind,
        person: Person,
        facts: ReceiptFacts,
        *,
        key: str,
        zone: str,
        booking_id: uuid.UUID | None = None,
    ) -> NewMail | None:
        """A receipt to ``person`` (always sent, whatever they unsubscribed from); None
        without an address. ``zone``: theirs when they never chose one."""
        if not person.email:
            return None
        shown = render(kind, person.reader(zone), facts, self.links(person.user_id, None))
        return _mail(kind, key, person.email, person.user_id, shown, booking_id)
