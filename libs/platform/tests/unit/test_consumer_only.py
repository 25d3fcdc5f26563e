"""``Only``: an event its handler does not want is IGNORED without a transaction (no unit of
work opened, no inbox claim); a wanted one goes through the usual path."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any, Self, cast

import pytest

from kairos_contracts import Envelope
from kairos_contracts.events.system import Ping
from kairos_platform.messaging.consumer import Dispatcher, Only, Outcome, Record, UowFactory


class FakeUow:
    def __init__(self, opened: list[str]) -> None:
        self._opened = opened

    async def __aenter__(self) -> Self:
        self._opened.append("open")
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        pass

    def caused_by(self, envelope: Envelope) -> None:
        pass

    async def claim_inbox(self, consumer: str, envelope: Envelope) -> bool:
        self._opened.append("claim")
        return True

    async def commit(self) -> None:
        self._opened.append("commit")


def _factory(opened: list[str]) -> UowFactory:
    # the dispatcher uses only what FakeUow has of a unit of work
    return cast(UowFactory, lambda: FakeUow(opened))


def _record(origin: str) -> Record:
    envelope = Envelope.wrap(Ping(ping_id=uuid.uuid4(), origin=origin), source="test")
    return Record("kairos.system", 0, 0, None, envelope.to_json())


def _dispatcher(opened: list[str], handled: list[str]) -> Dispatcher:
    async def on_ping(event: Ping, envelope: Envelope, uow: Any) -> None:
        handled.append(event.origin)

    wanted = Only(lambda e: e.origin == "wanted", on_ping)
    return Dispatcher(consumer="test", uow_factory=_factory(opened), handlers={Ping: wanted})


async def test_an_unwanted_event_opens_no_transaction() -> None:
    opened: list[str] = []
    handled: list[str] = []
    outcome = await _dispatcher(opened, handled).handle(_record("other"))
    assert outcome is Outcome.IGNORED
    assert opened == [] and handled == []


async def test_a_wanted_event_is_claimed_handled_and_committed() -> None:
    opened: list[str] = []
    handled: list[str] = []
    outcome = await _dispatcher(opened, handled).handle(_record("wanted"))
    assert outcome is Outcome.HANDLED
    assert opened == ["open", "claim", "commit"] and handled == ["wanted"]


def test_a_batch_handler_cannot_sit_beside_an_only_handler() -> None:
    async def batch(items: Any, uow: Any) -> list[uuid.UUID]:
        return []

    async def on_ping(event: Ping, envelope: Envelope, uow: Any) -> None:
        pass

    with pytest.raises(ValueError, match="Only"):
        Dispatcher(
            consumer="test",
            uow_factory=_factory([]),
            handlers={Ping: Only(lambda e: True, on_ping)},
            batch_handlers={Ping: batch},
        )
