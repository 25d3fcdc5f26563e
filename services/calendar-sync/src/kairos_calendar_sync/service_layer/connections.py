"""Commands on calendar connections: connect (tested first), list, test, remove.

A calendar is tested with no transaction open: before anything is stored on connect, and
after the connection was read (that read's transaction ended) on test. A new connection
gets entries for its owner's live bookings, so it starts complete. Refusals are
``kairos_platform.refusals`` (the platform answers them as problem+json).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kairos_calendar_sync.domain.connections import Connection, Kind
from kairos_calendar_sync.service_layer.calendars import CalendarError, CalendarRefused
from kairos_calendar_sync.service_layer.context import Context
from kairos_calendar_sync.service_layer.ports import CalendarUow
from kairos_platform.auth import Principal, is_admin
from kairos_platform.refusals import BadRequest, Forbidden, NotFound


class CalendarNotUsable(BadRequest):
    """The calendar given refused us (``calendar-refused``: credentials, not a calendar)
    or could not be reached (``calendar-unreachable``); nothing was stored."""

    @classmethod
    def of(cls, exc: CalendarError) -> CalendarNotUsable:
        refused = isinstance(exc, CalendarRefused)
        return cls(str(exc), slug="calendar-refused" if refused else "calendar-unreachable")


async def _check(ctx: Context, conn: Connection, secret: dict[str, Any]) -> dict[str, Any] | None:
    """Raise CalendarError unless usable; refreshed OAuth credentials if any."""
    client = ctx.clients(conn, secret)
    try:
        await client.check()
        return client.refreshed_secret()
    finally:
        await client.aclose()


async def connect(
    uow: CalendarUow,
    ctx: Context,
    user_id: uuid.UUID,
    kind: Kind,
    calendar_url: str,
    secret: dict[str, Any],
) -> Connection:
    conn = Connection(uuid.uuid4(), user_id, kind, calendar_url, ctx.box.seal(secret))
    try:
        refreshed = await _check(ctx, conn, secret)
    except CalendarError as exc:
        raise CalendarNotUsable.of(exc) from exc
    if refreshed:
        conn = Connection(conn.connection_id, user_id, kind, calendar_url, ctx.box.seal(refreshed))
    await uow.connections.add(conn)
    for b in await uow.bookings.live_for_user(user_id):
        await uow.entries.want(b, conn.connection_id, user_id)
    await uow.commit()
    return await _get(uow, conn.connection_id)


async def _get(uow: CalendarUow, connection_id: uuid.UUID) -> Connection:
    conn = await uow.connections.get(connection_id)
    if conn is None:
        raise NotFound("There is no such calendar connection.")
    return conn


async def owned(uow: CalendarUow, caller: Principal, connection_id: uuid.UUID) -> Connection:
    """The connection, if it is the caller's (or the caller is an admin)."""
    conn = await _get(uow, connection_id)
    if conn.user_id != caller.user_id and not is_admin(caller):
        raise Forbidden("This calendar connection belongs to someone else.")
    return conn


async def listing(
    uow: CalendarUow,
    caller: Principal,
    owner: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Connection]:
    """Up to ``limit`` of ``owner``'s connections, oldest first, after the key ``after``
    (created at, connection id): the caller's own, or anyone's for an admin."""
    if owner != caller.user_id and not is_admin(caller):
        raise Forbidden("This belongs to someone else.", slug="not-owner")
    return await uow.connections.of_user(owner, after, limit)


async def test(
    uow: CalendarUow, ctx: Context, caller: Principal, connection_id: uuid.UUID
) -> tuple[Connection, str | None]:
    """Try the caller's calendar now. Success clears a broken state, so its backlog
    resumes; a failure is recorded (not counted towards broken) and returned."""
    conn = await owned(uow, caller, connection_id)
    await uow.rollback()  # the read is over: no transaction open while the calendar answers
    error: str | None = None
    try:
        refreshed = await _check(ctx, conn, ctx.box.open(conn.secret))
    except CalendarError as exc:
        error, refreshed = str(exc), None
    if error is None:
        await uow.connections.succeeded(
            conn.connection_id, ctx.box.seal(refreshed) if refreshed else None
        )
    else:
        await uow.connections.failed(conn.connection_id, error, 0.0, broken=False)
    await uow.commit()
    return await _get(uow, conn.connection_id), error


async def remove(uow: CalendarUow, caller: Principal, connection_id: uuid.UUID) -> None:
    conn = await owned(uow, caller, connection_id)
    await uow.connections.remove(conn.connection_id)
    await uow.commit()
