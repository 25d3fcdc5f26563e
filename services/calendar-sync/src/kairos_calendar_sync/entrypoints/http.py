"""HTTP routes of the calendar-sync service: they translate requests into service-layer
calls and the service layer's refusals into problem+json, nothing more."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response, status
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from kairos_calendar_sync.domain.connections import Connection, Kind
from kairos_calendar_sync.service_layer import connections, feeds
from kairos_calendar_sync.service_layer.calendars import CalendarRefused, CalendarUnavailable
from kairos_calendar_sync.service_layer.context import Context
from kairos_contracts.types import AcceptedDatetime
from kairos_platform.auth import CurrentUser, ensure_owner, is_admin
from kairos_platform.ping import ping_router
from kairos_platform.problems import bad_request, forbidden, not_found

Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Secret = Annotated[str, Field(min_length=1, max_length=4096)]


class CalDavIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["caldav"]
    calendar_url: AnyHttpUrl
    username: Text200
    password: Annotated[str, Field(max_length=1024)] = ""


class GoogleIn(BaseModel):
    """OAuth tokens from the app's consent flow (the flow itself runs in the frontend)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["google"]
    calendar_id: Text200 = "primary"
    access_token: Secret
    refresh_token: Secret
    expires_at: AcceptedDatetime | None = None  # with its offset
    client_id: Secret
    client_secret: Secret
    # No token_uri from the client: the server only ever posts tokens to the endpoint its
    # settings name (GOOGLE_TOKEN_URI), never to an address a caller chose.


ConnectionIn = Annotated[CalDavIn | GoogleIn, Field(discriminator="kind")]


def _body(c: Connection) -> dict[str, Any]:
    return {
        "connection_id": str(c.connection_id),
        "user_id": str(c.user_id),
        "kind": c.kind.value,
        "calendar": c.calendar_url,
        "status": c.status.value,
        "failures": c.failures,
        "last_error": c.last_error,
        "last_error_at": c.last_error_at.isoformat() if c.last_error_at else None,
        "last_synced_at": c.last_synced_at.isoformat() if c.last_synced_at else None,
    }


def _secret(body: CalDavIn | GoogleIn) -> tuple[Kind, str, dict[str, Any]]:
    if isinstance(body, CalDavIn):
        return (
            Kind.CALDAV,
            str(body.calendar_url),
            {
                "username": body.username,
                "password": body.password,
            },
        )
    secret = body.model_dump(mode="json", exclude={"kind", "calendar_id"}, exclude_none=True)
    return Kind.GOOGLE, body.calendar_id, secret


@contextmanager
def problems() -> Iterator[None]:
    try:
        yield
    except connections.NotFound as exc:
        raise not_found("There is no such calendar connection.") from exc
    except connections.NotYours as exc:
        raise forbidden("This calendar connection belongs to someone else.") from exc
    except CalendarRefused as exc:
        raise bad_request(str(exc), slug="calendar-refused") from exc
    except CalendarUnavailable as exc:
        raise bad_request(str(exc), slug="calendar-unreachable") from exc


def routers(ctx: Context) -> list[APIRouter]:
    return [ping_router(ctx.uow_factory), _connections_router(ctx), _feeds_router(ctx)]


def _connections_router(ctx: Context) -> APIRouter:
    router = APIRouter(tags=["connections"])

    @router.post("/connections", status_code=status.HTTP_201_CREATED)
    async def connect(body: ConnectionIn, user: CurrentUser) -> dict[str, Any]:
        kind, calendar, secret = _secret(body)
        with problems():
            return _body(await connections.connect(ctx, user.user_id, kind, calendar, secret))

    @router.get("/connections")
    async def listing(user: CurrentUser, user_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
        owner = user_id or user.user_id
        ensure_owner(user, owner)
        return [_body(c) for c in await connections.listing(ctx, owner)]

    @router.post("/connections/{connection_id}/test")
    async def test(connection_id: uuid.UUID, user: CurrentUser) -> dict[str, Any]:
        with problems():
            conn = await connections.owned(ctx, connection_id, user.user_id, is_admin(user))
            tested, error = await connections.test(ctx, conn)
        return {**_body(tested), "ok": error is None, "error": error}

    @router.delete("/connections/{connection_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def remove(connection_id: uuid.UUID, user: CurrentUser) -> Response:
        with problems():
            conn = await connections.owned(ctx, connection_id, user.user_id, is_admin(user))
            await connections.remove(ctx, conn)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def _feeds_router(ctx: Context) -> APIRouter:
    router = APIRouter(tags=["feeds"])

    @router.post("/feeds", status_code=status.HTTP_201_CREATED)
    async def create(user: CurrentUser) -> dict[str, str]:
        token = await feeds.create(ctx.uow_factory, user.user_id)
        return {"token": token, "path": f"/feeds/{token}.ics"}

    # No auth: the unguessable token is the credential, as calendar apps need.
    @router.get("/feeds/{token}.ics")
    async def feed(token: str) -> Response:
        body = await feeds.render(ctx.uow_factory, token)
        if body is None:
            raise not_found("There is no such feed.")
        return Response(body, media_type="text/calendar; charset=utf-8")

    @router.delete("/feeds/{token}", status_code=status.HTTP_204_NO_CONTENT)
    async def revoke(token: str, user: CurrentUser) -> Response:
        owner = await feeds.owner(ctx.uow_factory, token)
        if owner is None:
            raise not_found("There is no such feed.")
        ensure_owner(user, owner)
        await feeds.revoke(ctx.uow_factory, token)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
