"""The pure parts of dead-letter re-drive: the outbox row that writes a dead letter back
(same envelope, so the same event id for every inbox; same key and topic), what cannot be
re-driven, the routes' refusals and the command's arguments."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from kairos_contracts import Envelope
from kairos_platform import dead_letters
from kairos_platform.messaging.dead_letters import (
    DeadLetter,
    Redrive,
    RedriveResult,
    redrive_row,
)
from kairos_platform.messaging.tables import bucket_of
from kairos_platform.refusals import Conflict, NotFound


def envelope(**over: Any) -> Envelope:
    event_id = uuid.uuid4()
    return Envelope(
        event_id=event_id,
        type="HoldPlaced",
        version=1,
        source="booking",
        subject="hold-1",
        correlation_id=event_id,
        data={"hold_id": "hold-1"},
        **over,
    )


def dead(env: Envelope | None, *, original: str | None = None, **over: Any) -> DeadLetter:
    fields: dict[str, Any] = {
        "consumer": "payments",
        "event_id": env.event_id if env else uuid.uuid4(),
        "event_type": env.type if env else None,
        "topic": "kairos.booking.holds",
        "partition": 3,
        "offset": 41,
        "key": "hold-1",
        "error": "LookupError: no offering",
        "attempts": 5,
        "original": original if original is not None or env is None else env.to_json(),
        "dead_lettered_at": datetime(2026, 12, 7, tzinfo=UTC),
    }
    return DeadLetter(**{**fields, **over})


def test_the_row_writes_the_same_envelope_back_to_its_topic_and_key() -> None:
    env = envelope()
    row = redrive_row(dead(env))
    assert row is not None
    assert row["topic"] == "kairos.booking.holds"
    assert row["key"] == "hold-1" and row["bucket"] == bucket_of("hold-1")
    assert Envelope.model_validate(row["payload"]) == env  # same event id: inboxes dedup it
    assert row["payload"] == json.loads(env.to_json())
    assert row["headers"]["event_id"] == str(env.event_id)
    assert row["headers"]["redriven_by"] == "payments"
    assert row["event_type"] == "HoldPlaced"
    # the outbox row's own id is a new one (the original's may still be in an outbox)
    assert row["event_id"] != env.event_id


def test_a_record_without_a_key_goes_back_under_its_subject() -> None:
    env = envelope()
    row = redrive_row(dead(env, key=None))
    assert row is not None and row["key"] == "hold-1"


@pytest.mark.parametrize(
    "original",
    ["\ufffd not json", '{"no": "envelope"}', ""],
)
def test_an_unreadable_record_is_not_redriven(original: str) -> None:
    d = dead(None, original=original)
    assert redrive_row(d) is None and not d.redrivable


def test_a_record_not_utf8_is_not_redriven() -> None:
    d = dead(None, original=None)
    assert d.original is None and redrive_row(d) is None


def test_an_envelope_of_another_event_id_is_not_redriven() -> None:
    env = envelope()
    assert redrive_row(dead(env, event_id=uuid.uuid4())) is None


def test_the_refusals_of_a_redrive_that_did_nothing() -> None:
    some = uuid.uuid4()
    with pytest.raises(NotFound):
        dead_letters.refuse_unless_redriven(Redrive(some, RedriveResult.UNKNOWN))
    with pytest.raises(Conflict) as again:
        dead_letters.refuse_unless_redriven(Redrive(some, RedriveResult.ALREADY_REDRIVEN, "t"))
    assert again.value.slug == "already-redriven"
    with pytest.raises(Conflict) as unreadable:
        dead_letters.refuse_unless_redriven(Redrive(some, RedriveResult.UNREADABLE, "t"))
    assert unreadable.value.slug == "unreadable-dead-letter"
    done = Redrive(some, RedriveResult.REDRIVEN, "t")
    assert dead_letters.refuse_unless_redriven(done) is done


@pytest.mark.parametrize(
    "argv",
    [
        ["--service", "booking", "redrive"],  # neither one nor --all
        ["--service", "booking", "redrive", str(uuid.UUID(int=1)), "--all"],  # both
        ["--service", "booking", "redrive", "not-a-uuid"],
        ["list"],  # which service
    ],
)
def test_the_command_refuses_bad_arguments(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        dead_letters.main(argv)
    assert exit_.value.code == 2


def test_every_service_includes_the_routes() -> None:
    import importlib

    for package in ("booking", "payments", "attendance", "calendar_sync"):
        http = importlib.import_module(f"kairos_{package}.entrypoints.http")
        assert dead_letters.router in http.ROUTERS, package
