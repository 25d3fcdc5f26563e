"""Commands on calendar connections: connect (tested first), list, test, remove.

A calendar is tested before anything is stored, with no transaction open. A new
connection gets entries for its owner's live bookings, so it starts complete.
"""

from __future__ import annotations

import uuid
from typing import Any

from kairos_calendar_sync.domain.connections import Connection, Kind
from kairos_calendar_sync.service_layer.calendars import CalendarError
from kairos_calendar_sync.service_layer.context import Context


class NotFound(Exception):
    pass


class NotYours(Exception):
    pass


async def _check(ctx: Context, conn: Connection, secret: dict[str, Any]) -> dict[str, Any] | None:
    """Raise CalendarError unless usable; refreshed OAuth credentials if any."""
    client = ctx.clients(conn, secret)
    try:
        await client.check()
        return client.refreshed_secret()
    finally:
        await client.aclose()


async def connect(
    ctx: Context, user_id: uuid.UUID, kind: Kind, calendar_url: str, secret: dict[str, Any]
) -> Connection:
    conn = Connection(uuid.uuid4(), user_id, kind, calendar_url, ctx.box.seal(secret))
    refreshed = await _check(ctx, conn, secret)
    if refreshed:
        conn = Connection(conn.connection_id, user_id, kind, calendar_url, ctx.box.seal(refreshed))
    async with ctx.uow_factory() as uow:
        await uow.connections.add(conn)
        for b in await uow.bookings.live_for_user(user_id):
            await uow.entries.want(b, conn.connection_id, user_id)
        await uow.commit()
        stored = await _get(ctx, conn.connection_id)
    return stored


async def _get(ctx: Context, connection_id: uuid.UUID) -> Connection:
    async with ctx.uow_factory() as uow:
        conn = await uow.connections.get(connection_id)
    if conn is None:
        raise NotFound(str(connection_id))
    return conn


async def owned(
    ctx: Context, connection_id: uuid.UUID, user_id: uuid.UUID, admin: bool
) -> Connection:
    conn = await _get(ctx, connection_id)
    if conn.user_id != user_id and not admin:
        raise NotYours(str(connection_id))
    return conn


async def listing(ctx: Context, user_id: uuid.UUID) -> list[Connection]:
    async with ctx.uow_factory() as uow:
        return await uow.connections.for_users([user_id])


async def test(ctx: Context, conn: Connection) -> tuple[Connection, str | None]:
    """Try the calendar now. Success clears a broken state, so its backlog resumes."""
    error: str | None = None
    try:
        refreshed = await _check(ctx, conn, ctx.box.open(conn.secret))
    except CalendarError as exc:
        error, refreshed = str(exc), None
    async with ctx.uow_factory() as uow:
        if error is None:
            await uow.connections.succeeded(
                conn.connection_id, ctx.box.seal(refreshed) if refreshed else None
            )
        else:
            await uow.connections.failed(conn.connection_id, error, 0.0, broken=False)
        await uow.commit()
    return await _get(ctx, conn.connection_id), error


async def remove(ctx: Context, conn: Connection) -> None:
    async with ctx.uow_factory() as uow:
        await uow.connections.remove(conn.connection_id)
        await uow.commit()
