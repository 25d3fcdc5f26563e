"""Ping/pong across services: proves the whole event path (outbox, relay, broker,
consumer, inbox) end to end. Any service can ping; every other service answers.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status
from sqlalchemy import Column, DateTime, MetaData, PrimaryKeyConstraint, Table, Text, func, select
from sqlalchemy.dialects.postgresql import UUID, insert

from kairos_contracts import Envelope
from kairos_contracts.events.system import Ping, Pong
from kairos_platform.auth import AdminOnly
from kairos_platform.problems import not_found
from kairos_platform.uow import UnitOfWork


class PingTables:
    def __init__(self, metadata: MetaData) -> None:
        self.pings = Table(
            "pings",
            metadata,
            Column("ping_id", UUID(as_uuid=True), primary_key=True),
            Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        )
        self.pongs = Table(
            "pongs",
            metadata,
            Column("ping_id", UUID(as_uuid=True), nullable=False),
            Column("responder", Text, nullable=False),
            Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
            PrimaryKeyConstraint("ping_id", "responder", name="pk_pongs"),
        )


async def send_ping(uow: UnitOfWork, tables: PingTables) -> uuid.UUID:
    ping_id = uuid.uuid4()
    await uow.session.execute(tables.pings.insert().values(ping_id=ping_id))
    uow.emit(Ping(ping_id=ping_id, origin=uow.source))
    await uow.commit()
    return ping_id


async def responders(uow: UnitOfWork, tables: PingTables, ping_id: uuid.UUID) -> list[str] | None:
    known = await uow.session.scalar(select(tables.pings.c.ping_id).where(tables.pings.c.ping_id == ping_id))
    if known is None:
        return None
    rows = await uow.session.execute(
        select(tables.pongs.c.responder).where(tables.pongs.c.ping_id == ping_id).order_by(tables.pongs.c.responder)
    )
    return [r for (r,) in rows]


def handlers(tables: PingTables) -> dict[Any, Any]:
    async def on_ping(event: Ping, envelope: Envelope, uow: UnitOfWork) -> None:
        if event.origin != uow.source:
            uow.emit(Pong(ping_id=event.ping_id, origin=event.origin, responder=uow.source))

    async def on_pong(event: Pong, envelope: Envelope, uow: UnitOfWork) -> None:
        if event.origin == uow.source:
            await uow.session.execute(
                insert(tables.pongs)
                .values(ping_id=event.ping_id, responder=event.responder)
                .on_conflict_do_nothing()
            )

    return {Ping: on_ping, Pong: on_pong}


def ping_router(uow_factory: Any, tables: PingTables) -> APIRouter:
    """``POST /system/pings`` (admin) sends a ping; ``GET /system/pings/{id}`` lists who answered."""
    router = APIRouter(prefix="/system/pings", tags=["system"])

    @router.post("", status_code=status.HTTP_202_ACCEPTED)
    async def create_ping(_: AdminOnly) -> dict[str, str]:
        async with uow_factory() as uow:
            ping_id = await send_ping(uow, tables)
        return {"ping_id": str(ping_id)}

    @router.get("/{ping_id}")
    async def get_ping(ping_id: uuid.UUID, _: AdminOnly) -> dict[str, Any]:
        async with uow_factory() as uow:
            answered = await responders(uow, tables, ping_id)
        if answered is None:
            raise not_found(f"No ping {ping_id} was sent from here.")
        return {"ping_id": str(ping_id), "responders": answered}

    return router
