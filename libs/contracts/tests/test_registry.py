"""Registry, topics and catalog agree with each other and with the list of events below:
who publishes each event and who consumes it."""

from __future__ import annotations

import types
import typing
import uuid
from collections import Counter
from collections.abc import Iterable

import pytest

from kairos_contracts import all_events, event_class, register, topics
from kairos_contracts.catalog import (
    CATALOG,
    SERVICES,
    consumed_by,
    consumers_of,
    consumes,
    published_by,
    publishers_of,
    topics_consumed_by,
)
from kairos_contracts.envelope import Event
from kairos_contracts.examples import EXAMPLES
from kairos_contracts.topics import (
    ALL_TOPICS,
    DLQ_SUFFIX,
    TOPIC_DESCRIPTIONS,
    TOPIC_KEYS,
    dlq_topic,
    is_dlq,
)

# Every event that crosses a service boundary; OfferingPublished because payments bills a
# subscription at the price booking decides.
EVENTS = """
HoldPlaced HoldReleased HoldExpired BookingConfirmed BookingRejected BookingCancelled
BookingRestored BookingRescheduled PaymentVerified PaymentCancelled PaymentFailed
PaymentCaptured PaymentVoided PaymentRefunded CreditsPurchased SubscriptionCancelled
SubscriptionReactivated AttendanceRecorded AbsenceRecorded MenteeWarned MenteeReprobated
MenteeReactivated CalendarEventSynced CalendarSyncFailed Ping Pong OfferingPublished
MailPreferencesChanged
""".split()


def test_exactly_these_events_are_registered() -> None:
    assert {c.TYPE for c in all_events()} == set(EVENTS)


def test_type_version_pairs_are_unique() -> None:
    counts = Counter((c.TYPE, c.VERSION) for c in all_events())
    assert [k for k, n in counts.items() if n > 1] == []
    for cls in all_events():
        assert event_class(cls.TYPE, cls.VERSION) is cls


def test_every_topic_is_listed_and_keyed_by_the_event_key() -> None:
    for cls in all_events():
        assert cls.TOPIC in ALL_TOPICS, cls
        assert TOPIC_KEYS[cls.TOPIC] == cls.KEY, cls
    assert set(topics()) == set(ALL_TOPICS)
    assert set(TOPIC_DESCRIPTIONS) == set(ALL_TOPICS)


@pytest.mark.parametrize("cls", all_events(), ids=lambda c: c.TYPE)
def test_key_field_is_a_required_uuid(cls: type[Event]) -> None:
    field = cls.model_fields[cls.KEY]
    assert field.annotation is uuid.UUID and field.is_required()


@pytest.mark.parametrize("cls", all_events(), ids=lambda c: c.TYPE)
def test_nullable_fields_default_to_none(cls: type[Event]) -> None:
    # Envelope.wrap drops None values; that is lossless only if None is the default.
    for name, field in cls.model_fields.items():
        args = typing.get_args(field.annotation)
        if typing.get_origin(field.annotation) in (typing.Union, types.UnionType) and (
            type(None) in args
        ):
            assert not field.is_required() and field.default is None, f"{cls.TYPE}.{name}"


def test_register_refuses_duplicates_and_wrong_keys() -> None:
    cls = event_class("Ping", 1)
    with pytest.raises(ValueError, match="twice"):

        class Ping2(Event):
            TYPE = "Ping"
            TOPIC = cls.TOPIC
            KEY = "ping_id"
            ping_id: uuid.UUID
            origin: str

        register(Ping2)

    with pytest.raises(ValueError, match="keyed by"):

        class Wrong(Event):
            TYPE = "WrongKey"
            TOPIC = "kairos.booking.bookings"
            KEY = "hold_id"
            hold_id: uuid.UUID

        register(Wrong)


def test_dlq_topics() -> None:
    assert DLQ_SUFFIX == ".dlq"
    assert dlq_topic("kairos.booking.holds") == "kairos.booking.holds.dlq"
    assert is_dlq(dlq_topic("kairos.system"))
    with pytest.raises(ValueError):
        dlq_topic("kairos.system.dlq")


def test_every_event_has_an_example() -> None:
    assert {c.TYPE for c in all_events()} <= set(EXAMPLES)


def test_catalog_covers_exactly_the_registered_types() -> None:
    assert set(CATALOG) == {c.TYPE for c in all_events()}


def test_every_event_has_one_publishing_service_except_wiring() -> None:
    for type_ in CATALOG:
        if type_ in ("Ping", "Pong"):
            assert publishers_of(type_) == SERVICES == consumers_of(type_)
        else:
            assert len(publishers_of(type_)) == 1, type_


def test_every_consumed_event_is_published_and_no_service_consumes_its_own() -> None:
    for service in SERVICES:
        for cls in consumed_by(service):
            assert publishers_of(cls.TYPE), cls.TYPE
            if cls.TYPE not in ("Ping", "Pong"):
                assert service not in publishers_of(cls.TYPE), (service, cls.TYPE)


def test_every_topic_has_one_producing_service() -> None:
    owners: dict[str, set[str]] = {}
    for cls in all_events():
        if cls.TOPIC != "kairos.system":
            owners.setdefault(cls.TOPIC, set()).update(publishers_of(cls.TYPE))
    assert all(len(s) == 1 for s in owners.values()), owners


def test_who_publishes_and_consumes_what() -> None:
    def names(evs: Iterable[type[Event]]) -> set[str]:
        return {c.TYPE for c in evs} - {"Ping", "Pong"}

    assert names(published_by("booking")) == {
        "OfferingPublished", "HoldPlaced", "HoldReleased", "HoldExpired", "BookingConfirmed",
        "BookingRejected",
        "BookingCancelled", "BookingRestored", "BookingRescheduled",
    }  # fmt: skip
    assert {
        "PaymentVerified", "PaymentCancelled", "SubscriptionCancelled",
        "SubscriptionReactivated", "MenteeReprobated", "MenteeReactivated",
    } <= names(consumed_by("booking"))  # fmt: skip
    assert {"HoldExpired", "BookingConfirmed", "BookingRejected", "BookingCancelled"} <= names(
        consumed_by("payments")
    )
    assert names(consumed_by("attendance")) == {
        "BookingConfirmed", "BookingCancelled", "BookingRestored", "BookingRescheduled",
        "MailPreferencesChanged",
    }  # fmt: skip
    assert names(published_by("calendar-sync")) == {
        "CalendarEventSynced", "CalendarSyncFailed", "MailPreferencesChanged",
    }  # fmt: skip
    # every booking change (calendars, confirmations, reminders) and the money (receipts)
    assert {c.TYPE for c in all_events() if c.TYPE.startswith("Booking")} | {
        "PaymentVerified", "PaymentCaptured", "PaymentRefunded", "CreditsPurchased",
    } == names(consumed_by("calendar-sync"))  # fmt: skip
    assert topics_consumed_by("attendance") == [
        "kairos.booking.bookings", "kairos.calendar.people", "kairos.system",
    ]  # fmt: skip
    assert consumes("payments", "HoldPlaced") and not consumes("payments", "BookingRestored")
    with pytest.raises(ValueError):
        published_by("billing")
