"""A user's connected calendars: connect (tested first), list, test, remove."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from kairos_calendar_sync.entrypoints.deps import Ctx, Uow
from kairos_calendar_sync.entrypoints.schemas import (
    ConnectionIn,
    ConnectionOut,
    ConnectionsPage,
    ConnectionTestOut,
    secret_of,
)
from kairos_calendar_sync.service_layer import connections
from kairos_platform.auth import CurrentUser
from kairos_platform.pagination import PageQuery, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["connections"])

#: the listing's sort key: when the connection was made, then its id
_S403 = "Another user's connection (`forbidden`, or `not-owner` for another user's list)."


@router.post(
    "/connections",
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        *AUTHENTICATED,
        400,
        409,
        422,
        s400="The calendar refused the credentials or is not a calendar "
        "(`calendar-refused`), or could not be reached (`calendar-unreachable`); nothing "
        "was stored.",
        s409="A request with this Idempotency-Key is still running.",
    ),
)
async def connect(body: ConnectionIn, user: CurrentUser, uow: Uow, ctx: Ctx) -> ConnectionOut:
    """Connect a calendar (CalDAV, or Google with OAuth tokens). It is tested first; once
    connected, the caller's live sessions are written to it."""
    kind, calendar, secret = secret_of(body)
    return ConnectionOut.of(
        await connections.connect(uow, ctx, user.user_id, kind, calendar, secret)
    )


@router.get("/connections", responses=problems(*AUTHENTICATED, 403, 422, s403=_S403))
async def listing(
    user: CurrentUser,
    page: PageQuery,
    uow: Uow,
    user_id: Annotated[
        uuid.UUID | None,
        Query(description="Whose connections (another's for admins only; default: yours)."),
    ] = None,
) -> ConnectionsPage:
    """The caller's connected calendars, oldest first, with their state (`broken` ones
    need a test or a new connection)."""
    owner = user_id or user.user_id
    found = await connections.listing(
        uow, user, owner, page.key(AwareDatetime, uuid.UUID), page.limit + 1
    )
    got = page_of(found, page.limit, lambda c: (c.created_at, c.connection_id))
    return ConnectionsPage(
        items=[ConnectionOut.of(c) for c in got.items],
        next_cursor=got.next_cursor,
        has_more=got.has_more,
    )


@router.post(
    "/connections/{connection_id}/test",
    responses=problems(
        *AUTHENTICATED,
        403,
        404,
        409,
        422,
        s403=_S403,
        s409="A request with this Idempotency-Key is still running.",
    ),
)
async def test(
    connection_id: uuid.UUID, user: CurrentUser, uow: Uow, ctx: Ctx
) -> ConnectionTestOut:
    """Try the calendar now: success clears a broken state (its backlog resumes); a
    failure is answered in ``error`` (200)."""
    tested, error = await connections.test(uow, ctx, user, connection_id)
    return ConnectionTestOut.of(tested, ok=error is None, error=error)


@router.delete(
    "/connections/{connection_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(*AUTHENTICATED, 403, 404, 422, s403=_S403),
)
async def remove(connection_id: uuid.UUID, user: CurrentUser, uow: Uow) -> None:
    """Disconnect a calendar (the events already written stay in it)."""
    await connections.remove(uow, user, connection_id)
