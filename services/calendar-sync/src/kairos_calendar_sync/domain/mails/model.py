"""What a mail is about: its kind, its reader, the facts it tells and the links in its footer.

Plain frozen dataclasses; ``render.render`` turns them into a subject and two bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class MailKind(StrEnum):
    CONFIRMED = "booking_confirmed"
    RESCHEDULED = "booking_rescheduled"
    CANCELLED = "booking_cancelled"
    RESTORED = "booking_restored"
    REMINDER = "reminder"
    PAYMENT_RECEIPT = "payment_receipt"  # a one-time session paid by card (captured)
    CREDITS_RECEIPT = "credits_receipt"  # a credit pack bought
    CYCLE_RECEIPT = "cycle_receipt"  # a subscription cycle paid
    REFUND_RECEIPT = "refund_receipt"


class Topic(StrEnum):
    """What a person may unsubscribe from."""

    CONFIRMATIONS = "confirmations"
    REMINDERS = "reminders"


_SESSION_KINDS = frozenset(
    {
        MailKind.CONFIRMED,
        MailKind.RESCHEDULED,
        MailKind.CANCELLED,
        MailKind.RESTORED,
        MailKind.REMINDER,
    }
)


def topic_of(kind: MailKind) -> Topic | None:
    """The topic a mail of ``kind`` can be unsubscribed under; receipts have none (they are
    always sent)."""
    if kind is MailKind.REMINDER:
        return Topic.REMINDERS
    if kind in _SESSION_KINDS:
        return Topic.CONFIRMATIONS
    return None


def is_session_kind(kind: MailKind) -> bool:
    """A mail about a session (its facts are ``SessionFacts``); the others are receipts."""
    return kind in _SESSION_KINDS


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str  # ISO 4217


@dataclass(frozen=True)
class Reader:
    """The recipient: ``time_zone`` an IANA zone, ``locale`` a Babel/BCP 47 identifier
    ("en", "es_ES", "de-DE")."""

    name: str | None
    time_zone: str
    locale: str


@dataclass(frozen=True)
class SessionFacts:
    title: str
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    provider_time_zone: str
    role: str  # "mentor" | "mentee": the reader's part in the session
    other_name: str | None  # the other participant's name
    meeting_url: str | None
    previous_starts_at: datetime | None = None  # reschedule: the old time
    # booking's CancellationReason value: by_mentee, by_mentor, by_admin, unsubscribed,
    # reprobated, provider_inactive, offering_gone
    cancellation_reason: str | None = None
    refund: Money | None = None  # cancellation: what is refunded (amount 0 = nothing)
    minutes_before: int | None = None  # reminder: 1440, 60...
    restore_cause: str | None = None  # "unsubscribe_undone" | "reactivation"
    calendar_attached: bool = False  # an .ics invitation is attached (no calendar connected)


@dataclass(frozen=True)
class ReceiptFacts:
    amount: Money
    what: str
    paid_at: datetime
    reference: str
    credits: int | None = None
    period_start: date | None = None  # cycle
    period_end: date | None = None  # cycle
    refund_reason: str | None = None


@dataclass(frozen=True)
class Links:
    unsubscribe_url: str | None = (
        None  # one-click link (RFC 8058) for that topic; None for receipts
    )
    preferences_url: str | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
