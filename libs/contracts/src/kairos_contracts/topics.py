"""Topic names, and the key each topic is partitioned by.

Kafka only orders messages within one partition, and a key always maps to the same
partition. So the rule is: events that a consumer must see in the order they happened
share a topic *and* a key. Each topic holds one aggregate family and is keyed by that
aggregate's id (``Envelope.subject``); one service produces each topic.

=============================  ==============  ===============================================
topic                          key             why this key
=============================  ==============  ===============================================
kairos.booking.holds           hold_id         placed -> released | expired of one hold stay in
                                               order, so payments never opens a PaymentIntent
                                               for a hold it has already seen end.
kairos.booking.bookings        booking_id      confirmed -> rescheduled -> cancelled ->
                                               restored of one booking stay in order; payments
                                               captures before it refunds, attendance and the
                                               calendars never apply a stale state. Every event
                                               also carries ``sequence`` to drop replays.
kairos.booking.offerings       offering_id     versions of one offering stay in order, so
                                               payments' price list converges on the latest.
kairos.booking.rejections      payment_id      a rejection has no booking row; what it undoes
                                               is one payment (void, refund, credits back). All
                                               rejections of one payment (e.g. occurrences of
                                               one subscription cycle) stay in order.
kairos.payments.payments       payment_id      verified -> captured | voided | refunded (or
                                               cancelled | failed) of one payment stay in order.
kairos.payments.credits        user_id         purchases of one credit ledger stay in order, so
                                               ``balance_after`` only ever moves forward.
kairos.payments.subscriptions  subscription_id unsubscribe -> reactivate -> unsubscribe of one
                                               subscription stay in order; booking restores
                                               exactly what the matching unsubscribe cancelled.
kairos.attendance.records      booking_id      the system's mark and a mentor's later
                                               correction of one session stay in order.
kairos.attendance.mentees      enrollment_id   warned -> reprobated -> reactivated of one
                                               mentee's enrollment stay in order, so booking
                                               never restores before it has cancelled.
kairos.calendar.sync           booking_id      sync outcomes of one booking stay in order.
kairos.calendar.people         user_id         a person's mail preferences (time zone, locale)
                                               stay in order, so the latest choice wins.
kairos.system                  ping_id         wiring checks (Ping/Pong); order is irrelevant.
=============================  ==============  ===============================================

Order *across* topics is never guaranteed. Where two aggregates interact (for example a
subscription cycle's PaymentVerified on ``kairos.payments.payments`` and that
subscription's SubscriptionCancelled on ``kairos.payments.subscriptions``), the consumer
keeps the state it learned from each (``unsubscribed_at``) and applies it to what arrives
later, instead of relying on arrival order.

A message a consumer cannot process after its retries goes to ``dlq_topic(topic)``, with
the same key, so it can be replayed into the original topic in order.
"""

from __future__ import annotations

BOOKING_HOLDS = "kairos.booking.holds"
BOOKING_BOOKINGS = "kairos.booking.bookings"
BOOKING_REJECTIONS = "kairos.booking.rejections"
BOOKING_OFFERINGS = "kairos.booking.offerings"
PAYMENTS_PAYMENTS = "kairos.payments.payments"
PAYMENTS_CREDITS = "kairos.payments.credits"
PAYMENTS_SUBSCRIPTIONS = "kairos.payments.subscriptions"
ATTENDANCE_RECORDS = "kairos.attendance.records"
ATTENDANCE_MENTEES = "kairos.attendance.mentees"
CALENDAR_SYNC = "kairos.calendar.sync"
CALENDAR_PEOPLE = "kairos.calendar.people"
SYSTEM = "kairos.system"

#: topic -> the payload field whose value is the Kafka key (the aggregate id).
TOPIC_KEYS: dict[str, str] = {
    BOOKING_HOLDS: "hold_id",
    BOOKING_BOOKINGS: "booking_id",
    BOOKING_REJECTIONS: "payment_id",
    BOOKING_OFFERINGS: "offering_id",
    PAYMENTS_PAYMENTS: "payment_id",
    PAYMENTS_CREDITS: "user_id",
    PAYMENTS_SUBSCRIPTIONS: "subscription_id",
    ATTENDANCE_RECORDS: "booking_id",
    ATTENDANCE_MENTEES: "enrollment_id",
    CALENDAR_SYNC: "booking_id",
    CALENDAR_PEOPLE: "user_id",
    SYSTEM: "ping_id",
}

#: topic -> one line on what it carries and why it is keyed that way (used in AsyncAPI).
TOPIC_DESCRIPTIONS: dict[str, str] = {
    BOOKING_HOLDS: "Seat holds placed by booking. Key: hold_id, so a hold's events stay ordered.",
    BOOKING_BOOKINGS: (
        "Booking lifecycle. Key: booking_id, so confirm/reschedule/cancel/restore of one "
        "booking stay ordered."
    ),
    BOOKING_OFFERINGS: (
        "Offerings as booking publishes them (price, kind, active). Key: offering_id, so "
        "the latest version of an offering wins."
    ),
    BOOKING_REJECTIONS: (
        "Verified payments booking refused (no booking row exists). Key: payment_id, the "
        "payment to void or refund."
    ),
    PAYMENTS_PAYMENTS: "Payment lifecycle. Key: payment_id, so a payment's events stay ordered.",
    PAYMENTS_CREDITS: "Credit ledger changes. Key: user_id, the ledger owner.",
    PAYMENTS_SUBSCRIPTIONS: (
        "Subscription unsubscribe/reactivate. Key: subscription_id, so an undo never "
        "overtakes what it undoes."
    ),
    ATTENDANCE_RECORDS: (
        "Attendance marks per session. Key: booking_id, so corrections follow the mark."
    ),
    ATTENDANCE_MENTEES: (
        "Mentee standing (warned/reprobated/reactivated). Key: enrollment_id, so a "
        "reactivation never overtakes its reprobation."
    ),
    CALENDAR_SYNC: "Outcome of pushing a booking to external calendars. Key: booking_id.",
    CALENDAR_PEOPLE: (
        "A person's mail preferences (time zone, locale). Key: user_id, so a person's "
        "later choice never overtakes an earlier one."
    ),
    SYSTEM: "Wiring checks between services. Key: ping_id.",
}

ALL_TOPICS: tuple[str, ...] = tuple(TOPIC_KEYS)

DLQ_SUFFIX = ".dlq"


def dlq_topic(topic: str) -> str:
    """The dead-letter topic for ``topic`` (same key, so replays keep per-key order)."""
    if topic.endswith(DLQ_SUFFIX):
        raise ValueError(f"{topic!r} is already a dead-letter topic")
    return topic + DLQ_SUFFIX


def is_dlq(topic: str) -> bool:
    return topic.endswith(DLQ_SUFFIX)


def key_field(topic: str) -> str:
    """The payload field every event on ``topic`` uses as its Kafka key."""
    try:
        return TOPIC_KEYS[topic]
    except KeyError:
        raise LookupError(f"unknown topic {topic!r}") from None
