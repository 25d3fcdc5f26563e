"""Ping/pong across services: proves the whole event path (outbox, relay, broker,
consumer, inbox) end to end. Any service can ping; every other service answers.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlalchemy import Column, DateTime, MetaData, PrimaryKeyConstraint, Table, Text, func, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from kairos_contracts import Envelope, Event
from kairos_contracts.events.system import Ping, Pong
from kairos_platform.auth import AdminOnly
from kairos_platform.deps import ServiceDep
from kairos_platform.problem_schema import AUTHENTICATED, problems
from kairos_platform.refusals import NotFound


class PingTables:
    def __init__(self, metadata: MetaData) -> None:
        self.pings = Table(
            "pings",
            metadata,
            Column("ping_id", UUID(as_uuid=True), primary_key=True),
            Column(
                "created_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
        )
        self.pongs = Table(
            "pongs",
            metadata,
            Column("ping_id", UUID(as_uuid=True), nullable=False),
            Column("responder", Text, nullable=False),
            Column(
                "received_at", DateTime(timezone=True), nullable=False, server_default=func.now()
            ),
            PrimaryKeyConstraint("ping_id", "responder", name="pk_pongs"),
        )


class PingRepository(Protocol):
    async def add_ping(self, ping_id: uuid.UUID) -> None: ...
    async def add_pong(self, ping_id: uuid.UUID, responder: str) -> None: ...
    async def responders(self, ping_id: uuid.UUID) -> list[str] | None: ...


class PingUnitOfWork(Protocol):
    """What the ping handlers need of a unit of work (SQL or fake)."""

    source: str

    @property
    def pings(self) -> PingRepository:
        """Read-only here, so that a narrower repository (the fake's) satisfies it."""
        ...

    def emit(self, event: Event) -> Envelope: ...
    async def commit(self) -> None: ...


class SqlPingRepository:
    def __init__(self, session: AsyncSession, tables: PingTables) -> None:
        self._s = session
        self._t = tables

    async def add_ping(self, ping_id: uuid.UUID) -> None:
        await self._s.execute(self._t.pings.insert().values(ping_id=ping_id))

    async def add_pong(self, ping_id: uuid.UUID, responder: str) -> None:
        stmt = insert(self._t.pongs).values(ping_id=ping_id, responder=responder)
        await self._s.execute(stmt.on_conflict_do_nothing())

    async def responders(self, ping_id: uuid.UUID) -> list[str] | None:
        pings, pongs = self._t.pings, self._t.pongs
        if await self._s.scalar(select(pings.c.ping_id).where(pings.c.ping_id == ping_id)) is None:
            return None
        rows = await self._s.execute(
            select(pongs.c.responder).where(pongs.c.ping_id == ping_id).order_by(pongs.c.responder)
        )
        return [r for (r,) in rows]


async def send_ping(uow: PingUnitOfWork) -> uuid.UUID:
    ping_id = uuid.uuid4()
    await uow.pings.add_ping(ping_id)
    uow.emit(Ping(ping_id=ping_id, origin=uow.source))
    await uow.commit()
    return ping_id


async def on_ping(event: Ping, envelope: Envelope, uow: PingUnitOfWork) -> None:
    if event.origin != uow.source:
        uow.emit(Pong(ping_id=event.ping_id, origin=event.origin, responder=uow.source))


async def on_pong(event: Pong, envelope: Envelope, uow: PingUnitOfWork) -> None:
    if event.origin == uow.source:
        await uow.pings.add_pong(event.ping_id, event.responder)


HANDLERS: dict[type[Event], Any] = {Ping: on_ping, Pong: on_pong}


class PingSent(BaseModel):
    ping_id: uuid.UUID


class PingAnswers(BaseModel):
    ping_id: uuid.UUID
    responders: list[str] = Field(description="The services whose pong came back so far.")


#: Admin-only: ``POST /system/pings`` sends, ``GET /system/pings/{id}`` lists answers.
router = APIRouter(prefix="/system/pings", tags=["system"])


@router.post("", status_code=status.HTTP_202_ACCEPTED, responses=problems(*AUTHENTICATED, 403))
async def create_ping(_: AdminOnly, service: ServiceDep) -> PingSent:
    async with service.uow_factory() as uow:
        return PingSent(ping_id=await send_ping(uow))


@router.get("/{ping_id}", responses=problems(*AUTHENTICATED, 403, 404))
async def get_ping(ping_id: uuid.UUID, _: AdminOnly, service: ServiceDep) -> PingAnswers:
    async with service.uow_factory() as uow:
        answered = await uow.pings.responders(ping_id)
    if answered is None:
        raise NotFound(f"No ping {ping_id} was sent from here.")
    return PingAnswers(ping_id=ping_id, responders=answered)
