"""Ping/pong handlers with the in-memory unit of work."""

import uuid

from kairos_contracts import Envelope
from kairos_contracts.events.system import Ping, Pong
from kairos_platform import ping
from kairos_platform.testing import FakeUnitOfWork


async def test_send_ping_records_it_and_emits_a_ping() -> None:
    uow = FakeUnitOfWork("booking")
    ping_id = await ping.send_ping(uow)
    assert ping_id in uow.pings.pings
    assert uow.events(Ping) == [Ping(ping_id=ping_id, origin="booking")]


async def test_another_service_answers_a_ping_with_a_pong_caused_by_it() -> None:
    uow = FakeUnitOfWork("payments")
    envelope = Envelope.wrap(Ping(ping_id=uuid.uuid4(), origin="booking"), source="booking")
    uow.caused_by(envelope)
    await ping.on_ping(envelope.payload_as(Ping), envelope, uow)
    await uow.commit()
    (pong,) = uow.committed
    assert pong.payload() == Pong(
        ping_id=envelope.data["ping_id"], origin="booking", responder="payments"
    )
    assert pong.correlation_id == envelope.correlation_id
    assert pong.causation_id == envelope.event_id


async def test_a_service_does_not_answer_its_own_ping() -> None:
    uow = FakeUnitOfWork("booking")
    envelope = Envelope.wrap(Ping(ping_id=uuid.uuid4(), origin="booking"), source="booking")
    await ping.on_ping(envelope.payload_as(Ping), envelope, uow)
    await uow.commit()
    assert uow.committed == []


async def test_only_the_origin_records_pongs() -> None:
    ping_id = uuid.uuid4()
    pong = Pong(ping_id=ping_id, origin="booking", responder="attendance")
    envelope = Envelope.wrap(pong, source="attendance")
    origin, bystander = FakeUnitOfWork("booking"), FakeUnitOfWork("payments")
    await origin.pings.add_ping(ping_id)
    for uow in (origin, bystander):
        await ping.on_pong(pong, envelope, uow)
    assert await origin.pings.responders(ping_id) == ["attendance"]
    assert bystander.pings.pongs == {}
