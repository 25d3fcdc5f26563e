"""Envelope behaviour: what goes on the wire comes back as the same typed event."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from kairos_contracts import Envelope, Event, all_events
from kairos_contracts.events.booking import BookingConfirmed, HoldPlaced
from kairos_contracts.events.payments import PaymentVerified
from kairos_contracts.examples import example


@pytest.mark.parametrize("cls", all_events(), ids=lambda c: c.TYPE)
def test_round_trip_wrap_json_parse_payload(cls: type[Event]) -> None:
    event = example(cls)
    env = Envelope.wrap(event, source="booking")
    parsed = Envelope.from_json(env.to_json())
    assert parsed == env
    assert parsed.payload() == event
    assert type(parsed.payload()) is cls
    assert parsed.topic == cls.TOPIC


@pytest.mark.parametrize("cls", all_events(), ids=lambda c: c.TYPE)
def test_key_is_the_aggregate_id(cls: type[Event]) -> None:
    event = example(cls)
    env = Envelope.wrap(event, source="payments")
    assert env.subject == str(getattr(event, cls.KEY))
    assert env.key == str(getattr(event, cls.KEY)).encode()


def test_unknown_type_raises() -> None:
    env = Envelope.wrap(example(HoldPlaced), source="booking")
    unknown = env.model_copy(update={"type": "HoldTeleported"})
    with pytest.raises(LookupError, match="HoldTeleported"):
        unknown.payload()
    with pytest.raises(LookupError):
        env.model_copy(update={"version": 99}).payload()
    with pytest.raises(LookupError):
        _ = unknown.topic


def test_extra_fields_rejected_in_payload_and_envelope() -> None:
    env = Envelope.wrap(example(HoldPlaced), source="booking")
    with pytest.raises(ValidationError, match="extra"):
        env.model_copy(update={"data": {**env.data, "discount": 10}}).payload()
    raw = json.loads(env.to_json())
    raw["unexpected"] = 1
    with pytest.raises(ValidationError):
        Envelope.model_validate(raw)
    with pytest.raises(ValidationError):
        HoldPlaced.model_validate({**example(HoldPlaced).model_dump(), "x": 1})


def test_naive_datetimes_rejected() -> None:
    naive = datetime(2030, 1, 1, 10, 0)
    with pytest.raises(ValidationError, match="timezone"):
        example(HoldPlaced, expires_at=naive)
    env = json.loads(Envelope.wrap(example(HoldPlaced), source="booking").to_json())
    env["occurred_at"] = "2030-01-01T10:00:00"
    with pytest.raises(ValidationError):
        Envelope.model_validate(env)


def test_datetimes_are_normalised_to_utc() -> None:
    madrid_summer = timezone(timedelta(hours=2))
    event = example(HoldPlaced, expires_at=datetime(2030, 6, 1, 12, 0, tzinfo=madrid_summer))
    assert event.expires_at.utcoffset() == timedelta(0)
    assert event.expires_at.hour == 10
    assert Envelope.wrap(event, source="booking").data["expires_at"].endswith("Z")


def test_events_are_frozen() -> None:
    event = example(HoldPlaced)
    with pytest.raises(ValidationError):
        event.amount_minor = 1  # type: ignore[misc]  # the assignment a frozen model refuses


def test_subject_must_match_payload() -> None:
    env = Envelope.wrap(example(HoldPlaced), source="booking")
    with pytest.raises(ValueError, match="subject"):
        env.model_copy(update={"subject": str(uuid.uuid4())}).payload()


def test_caused_keeps_the_chain() -> None:
    first = Envelope.wrap(example(PaymentVerified), source="payments")
    assert first.correlation_id == first.event_id and first.causation_id is None
    second = first.caused(example(BookingConfirmed), source="booking")
    assert second.correlation_id == first.correlation_id
    assert second.causation_id == first.event_id
    assert second.trace == first.trace
    assert second.event_id != first.event_id


def test_payload_as_types_the_payload_and_refuses_another_class() -> None:
    event = example(HoldPlaced)
    env = Envelope.wrap(event, source="booking")
    placed: HoldPlaced = env.payload_as(HoldPlaced)
    assert placed == event
    with pytest.raises(TypeError, match="HoldPlaced v1 is not a BookingConfirmed"):
        env.payload_as(BookingConfirmed)


def test_none_fields_are_left_out_of_data() -> None:
    # An old consumer (extra="forbid") keeps reading messages after a new optional field
    # is added, as long as producers leave it unset.
    env = Envelope.wrap(example(BookingConfirmed, hold_id=None), source="booking")
    assert "hold_id" not in env.data
    assert env.payload_as(BookingConfirmed).hold_id is None


def test_money_and_codes_are_precise() -> None:
    with pytest.raises(ValidationError):
        example(HoldPlaced, currency="eur")
    with pytest.raises(ValidationError):
        example(HoldPlaced, amount_minor=-1)
    with pytest.raises(ValidationError):
        example(HoldPlaced, amount_minor=12.5)
    with pytest.raises(ValidationError):
        example(BookingConfirmed, provider_time_zone="Mars/Olympus")
    with pytest.raises(ValidationError):
        example(HoldPlaced, ends_at=example(HoldPlaced).starts_at)


def test_payment_verified_shape_follows_method() -> None:
    example(PaymentVerified)  # card, with hold
    with pytest.raises(ValidationError, match="hold_id"):
        example(PaymentVerified, hold_id=None)
    with pytest.raises(ValidationError, match="credits_spent"):
        example(PaymentVerified, method="credits")
    example(PaymentVerified, method="credits", credits_spent=1)
    with pytest.raises(ValidationError, match="subscription_id and cycle"):
        example(PaymentVerified, method="subscription", hold_id=None)
    sub = example(
        PaymentVerified,
        method="subscription",
        hold_id=None,
        subscription_id=uuid.uuid4(),
        cycle={"number": 2, "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-02-01T00:00Z"},
        stripe_invoice_id="in_1",
    )
    assert sub.cycle is not None and sub.cycle.number == 2
