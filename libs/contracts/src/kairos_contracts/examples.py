"""One valid example of every event, for tests here and in the services.

``example(HoldPlaced)`` gives a fully populated instance; pass field overrides to shape
it (``example(HoldPlaced, amount_minor=0)``). A test fails when a registered event has
no example, so the set stays complete.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from kairos_contracts.envelope import Event
from kairos_contracts.types import BillingCycle, Person, Provider

E = TypeVar("E", bound=Event)

_NS = uuid.UUID("6f1d7a52-0000-4000-8000-000000000000")


def _id(name: str) -> uuid.UUID:
    """A stable id per name, so examples line up across events (same hold, same booking)."""
    return uuid.uuid5(_NS, name)


T0 = datetime(2030, 3, 31, 8, 0, tzinfo=UTC)  # the Monday after Europe's DST change
MENTEE = Person(user_id=_id("mentee"), email="mentee@example.org", display_name="Ana")
PROVIDER = Provider(
    provider_id=_id("provider"),
    user_id=_id("mentor"),
    email="mentor@example.org",
    display_name="Dr. Ruiz",
)
CYCLE = BillingCycle(number=1, starts_at=T0 - timedelta(days=1), ends_at=T0 + timedelta(days=29))

_SLOT = {"starts_at": T0, "ends_at": T0 + timedelta(hours=1)}
_HOLD = {
    **_SLOT,
    "hold_id": _id("hold"),
    "offering_id": _id("offering"),
    "provider_id": PROVIDER.provider_id,
    "mentee_id": MENTEE.user_id,
}
_BOOKING = {
    **_SLOT,
    "booking_id": _id("booking"),
    "sequence": 0,
    "offering_id": _id("offering"),
    "offering_title": "Mentorship",
    "provider": PROVIDER,
    "mentee": MENTEE,
    "provider_time_zone": "Europe/Madrid",
    "payment_id": _id("payment"),
    "payment_method": "subscription",
    "meeting_url": "https://meet.example.org/abc",
    "subscription_id": _id("subscription"),
    "enrollment_id": _id("enrollment"),
    "cycle": CYCLE,
    "reminder_minutes_before": [1440, 60],
}
_PAYMENT = {"payment_id": _id("payment"), "method": "card", "mentee_id": MENTEE.user_id}
_MONEY = {"amount_minor": 4500, "currency": "EUR"}
_SUBSCRIPTION = {
    "subscription_id": _id("subscription"),
    "mentee_id": MENTEE.user_id,
    "offering_id": _id("offering"),
    "stripe_subscription_id": "sub_123",
}
_RECORD = {
    "booking_id": _id("booking"),
    "enrollment_id": _id("enrollment"),
    "mentee_id": MENTEE.user_id,
    "provider_id": PROVIDER.provider_id,
    "session_starts_at": T0,
    "marked_by": "system",
    "recorded_at": T0 + timedelta(minutes=2),
}
_MENTEE = {
    "enrollment_id": _id("enrollment"),
    "subscription_id": _id("subscription"),
    "offering_id": _id("offering"),
    "mentee": MENTEE,
    "provider": PROVIDER,
}
_SYNC = {
    "booking_id": _id("booking"),
    "booking_sequence": 0,
    "user_id": MENTEE.user_id,
    "target": "caldav",
    "action": "created",
    "ical_uid": f"{_id('booking')}@kairos",
    "ical_sequence": 0,
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "Ping": {"ping_id": _id("ping"), "origin": "booking"},
    "Pong": {"ping_id": _id("ping"), "origin": "booking", "responder": "payments"},
    "OfferingPublished": {
        "offering_id": _id("offering"),
        "version": 2,
        "provider": PROVIDER,
        "provider_time_zone": "Europe/Madrid",
        "title": "Weekly mentoring",
        "kind": "recurring",
        **_MONEY,
        "interval": "month",
        "capacity": 8,
        "active": True,
        "published_at": T0 - timedelta(days=30),
    },
    "HoldPlaced": {
        **_HOLD,
        **_MONEY,
        "offering_title": "Intro call",
        "price_in_credits": 1,
        "expires_at": T0 - timedelta(days=2),
    },
    "HoldReleased": {
        **_HOLD,
        "reason": "payment_cancelled",
        "payment_id": _id("payment"),
        "released_at": T0 - timedelta(days=2),
    },
    "HoldExpired": {**_HOLD, "expired_at": T0 - timedelta(days=2)},
    "BookingConfirmed": {**_BOOKING, **_MONEY, "hold_id": None},
    "BookingCancelled": {
        **_BOOKING,
        "sequence": 1,
        "cancelled_by": "mentee",
        "reason": "unsubscribed",
        "cancelled_at": T0 - timedelta(days=3),
        "refund_amount_minor": 0,
        "currency": "EUR",
    },
    "BookingRestored": {
        **_BOOKING,
        "sequence": 2,
        "cause": "unsubscribe_undone",
        "restored_at": T0 - timedelta(days=1),
        "previously_cancelled_at": T0 - timedelta(days=3),
    },
    "BookingRescheduled": {
        **_BOOKING,
        "sequence": 3,
        "starts_at": T0 + timedelta(days=1),
        "ends_at": T0 + timedelta(days=1, hours=1),
        "previous_starts_at": T0,
        "previous_ends_at": T0 + timedelta(hours=1),
        "rescheduled_by": "mentor",
        "rescheduled_at": T0 - timedelta(hours=5),
    },
    "BookingRejected": {
        **_MONEY,
        "payment_id": _id("payment"),
        "rejection_id": _id("rejection"),
        "payment_method": "card",
        "hold_id": _id("hold"),
        "offering_id": _id("offering"),
        "provider_id": PROVIDER.provider_id,
        "mentee": MENTEE,
        "starts_at": T0,
        "ends_at": T0 + timedelta(hours=1),
        "reason": "slot_full",
        "rejected_at": T0 - timedelta(days=2),
    },
    "PaymentVerified": {
        **_PAYMENT,
        **_MONEY,
        "offering_id": _id("offering"),
        "hold_id": _id("hold"),
        "stripe_payment_intent_id": "pi_123",
        "verified_at": T0 - timedelta(days=2),
        "mentee": MENTEE,
        "description": "Mentorship",
    },
    "PaymentCancelled": {
        **_PAYMENT,
        "hold_id": _id("hold"),
        "reason": "abandoned",
        "cancelled_at": T0 - timedelta(days=2),
    },
    "PaymentFailed": {
        **_PAYMENT,
        "hold_id": _id("hold"),
        "failure_code": "card_declined",
        "failure_message": "Your card was declined.",
        "failed_at": T0 - timedelta(days=2),
    },
    "PaymentCaptured": {
        **_PAYMENT,
        **_MONEY,
        "booking_id": _id("booking"),
        "stripe_payment_intent_id": "pi_123",
        "captured_at": T0 - timedelta(days=2),
        "payer": MENTEE,
        "description": "Mentorship",
    },
    "PaymentVoided": {
        **_PAYMENT,
        **_MONEY,
        "hold_id": _id("hold"),
        "reason": "booking_rejected",
        "voided_at": T0 - timedelta(days=2),
    },
    "PaymentRefunded": {
        **_PAYMENT,
        **_MONEY,
        "refund_id": _id("refund"),
        "booking_id": _id("booking"),
        "reason": "booking_cancelled",
        "stripe_refund_id": "re_123",
        "refunded_at": T0 - timedelta(days=1),
        "payer": MENTEE,
        "description": "Mentorship",
    },
    "CreditsPurchased": {
        **_MONEY,
        "user_id": MENTEE.user_id,
        "purchase_id": _id("purchase"),
        "credits": 10,
        "balance_after": 12,
        "stripe_payment_intent_id": "pi_456",
        "purchased_at": T0 - timedelta(days=7),
        "payer": MENTEE,
        "description": "10 credits",
    },
    "SubscriptionCancelled": {
        **_SUBSCRIPTION,
        "unsubscribed_at": T0 - timedelta(days=3),
        "cancelled_by": "mentee",
    },
    "SubscriptionReactivated": {
        **_SUBSCRIPTION,
        "undoes_unsubscribed_at": T0 - timedelta(days=3),
        "reactivated_at": T0 - timedelta(days=1),
        "reactivated_by": "admin",
    },
    "AttendanceRecorded": {**_RECORD},
    "AbsenceRecorded": {**_RECORD, "consecutive_absences": 1},
    "MenteeWarned": {
        **_MENTEE,
        "booking_id": _id("booking"),
        "consecutive_absences": 1,
        "warned_at": T0 + timedelta(hours=2),
    },
    "MenteeReprobated": {
        **_MENTEE,
        "cycle": CYCLE,
        "absent_booking_ids": [_id("booking"), _id("booking-2")],
        "consecutive_absences": 2,
        "reprobated_at": T0 + timedelta(days=7, hours=2),
    },
    "MenteeReactivated": {
        **_MENTEE,
        "cycle": CYCLE,
        "undoes_reprobated_at": T0 + timedelta(days=7, hours=2),
        "reactivated_by": "mentor",
        "reactivated_by_user_id": PROVIDER.user_id,
        "reactivated_at": T0 + timedelta(days=8),
    },
    "CalendarEventSynced": {
        **_SYNC,
        "external_event_id": "evt-1",
        "synced_at": T0 - timedelta(days=2),
    },
    "CalendarSyncFailed": {
        **_SYNC,
        "error": "401 Unauthorized from CalDAV server",
        "retryable": False,
        "attempt": 3,
        "failed_at": T0 - timedelta(days=2),
    },
    "MailPreferencesChanged": {
        "user_id": _id("mentee"),
        "time_zone": "America/Bogota",
        "locale": "es_CO",
        "changed_at": T0 - timedelta(days=3),
    },
}


def example(cls: type[E], **overrides: Any) -> E:
    """A valid ``cls`` instance; ``overrides`` replace fields before validation."""
    try:
        fields = EXAMPLES[cls.TYPE]
    except KeyError:
        raise LookupError(f"no example for {cls.TYPE}; add one to EXAMPLES") from None
    return cls.model_validate({**fields, **overrides})
