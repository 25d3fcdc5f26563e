"""Live updates (server-sent events): a mentee follows their bookings, a mentor their
schedule, as the events happen. Fed from Kafka by :class:`kairos_platform.live.LiveHub`
(no consumer group, from the end, a ring per audience for ``Last-Event-ID`` resume).

  POST /live/tokens                        a stream token for the caller (60 s)
  GET /me/bookings/stream                  the caller's holds, bookings and rejections
  GET /providers/{provider_id}/schedule/stream   the same for that provider (its mentor, admin)

A browser's ``EventSource`` cannot send an Authorization header: it first gets a stream
token with its bearer token (``POST /live/tokens``) and opens the stream as
``.../stream?token=<token>``. The token carries the caller's id and roles, is signed with
``LIVE_TOKEN_SECRET`` and expires after ``LIVE_TOKEN_TTL_S``; a stream that is already open
stays open. The bearer header works as before.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from kairos_booking.entrypoints.deps import Ctx
from kairos_booking.service_layer.catalog import owned_provider
from kairos_booking.service_layer.context import context_of
from kairos_booking.settings import DEV_LIVE_TOKEN_SECRET, BookingSettings
from kairos_contracts import Envelope
from kairos_contracts.topics import BOOKING_BOOKINGS, BOOKING_HOLDS, BOOKING_REJECTIONS
from kairos_platform.auth import CurrentUser, OptionalUser, Principal, Role
from kairos_platform.deps import ServiceDep
from kairos_platform.live import (
    LiveHub,
    StreamToken,
    StreamTokens,
    sse_response,
    stream_principal,
)
from kairos_platform.problem_schema import AUTHENTICATED, problems
from kairos_platform.problems import forbidden, service_unavailable

LIVE_TOPICS = (BOOKING_HOLDS, BOOKING_BOOKINGS, BOOKING_REJECTIONS)

log = logging.getLogger("kairos.booking.live")


class LiveTokenIn(BaseModel):
    """What a stream token is asked with (the body may be left out)."""

    model_config = ConfigDict(extra="forbid")

    ttl_s: int | None = Field(
        default=None,
        ge=5,
        description="A shorter life than the default (seconds); never longer.",
    )


class LiveToken(BaseModel):
    """A stream token: open a stream with ``?token=<token>`` before ``expires_at``."""

    token: str = Field(description="Pass as the `token` query parameter of a stream.")
    expires_at: datetime = Field(description="After this instant the token opens nothing.")


_SSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A stream of server-sent events (`id:` event id, `event:` event type, "
        "`data:` the event as JSON; `event: reset` means refetch).",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def audiences(env: Envelope) -> Iterable[str]:
    """Who may see a booking-side event: its mentee and its provider."""
    data = env.data
    mentee = data.get("mentee_id") or (data.get("mentee") or {}).get("user_id")
    provider = data.get("provider_id") or (data.get("provider") or {}).get("provider_id")
    if mentee:
        yield f"mentee:{mentee}"
    if provider:
        yield f"provider:{provider}"


def live_hub() -> LiveHub:
    """The http process's feed of booking's events (it follows the app's broker)."""
    return LiveHub(None, LIVE_TOPICS, audiences, client_id="booking-live")


def stream_tokens(settings: BookingSettings) -> StreamTokens:
    return StreamTokens(settings.live_token_secret, ttl_s=settings.live_token_ttl_s)


def _warn_if_dev_secret(settings: BookingSettings) -> None:
    if settings.live_token_secret == DEV_LIVE_TOKEN_SECRET:
        log.warning(
            "LIVE_TOKEN_SECRET is not set: stream tokens are signed with the PUBLIC "
            "development secret, so anyone can make one. Set LIVE_TOKEN_SECRET (the same on "
            "every replica) in any real deployment."
        )


@asynccontextmanager
async def _live_lifespan(app: Any) -> AsyncIterator[None]:
    """The feed runs while the app serves (FastAPI merges a router's lifespan into the
    app's); the warning is logged once, with the app's logging in place."""
    context = context_of(app.state.service)
    _warn_if_dev_secret(context.settings)
    async with context.live.lifespan(app):
        yield


async def _stream_caller(ctx: Ctx, bearer: OptionalUser, token: StreamToken = None) -> Principal:
    return stream_principal(ctx.stream_tokens, token, bearer)


#: The caller of a stream: from ``?token=`` (a stream token) or the bearer header.
StreamCaller = Annotated[Principal, Depends(_stream_caller)]

router = APIRouter(tags=["live"], lifespan=_live_lifespan)


@router.post(
    "/live/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="A short-lived token that opens your event streams",
    responses=problems(*AUTHENTICATED),
)
async def create_live_token(
    caller: CurrentUser,
    ctx: Ctx,
    body: Annotated[LiveTokenIn | None, Body()] = None,
) -> LiveToken:
    """For clients that cannot send an Authorization header on a stream (a browser's
    `EventSource`): open `GET /me/bookings/stream?token=...` or
    `GET /providers/{id}/schedule/stream?token=...` with it. It stands for the caller
    (same user, same roles) for a minute; ask for a new one to reconnect later."""
    token, expires_at = ctx.stream_tokens.issue(caller, body.ttl_s if body is not None else None)
    return LiveToken(token=token, expires_at=expires_at)


async def _stream(hub: LiveHub, audience: str, last_event_id: str | None) -> StreamingResponse:
    try:
        return await sse_response(hub, audience, last_event_id)
    except TimeoutError as exc:
        raise service_unavailable(
            "Live updates are not available right now.",
            slug="live-unavailable",
            retry_after=2,
        ) from exc


@router.get(
    "/me/bookings/stream",
    response_class=StreamingResponse,
    responses={**_SSE, **problems(*AUTHENTICATED, 403)},
)
async def my_bookings_stream(
    caller: StreamCaller,
    ctx: Ctx,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    if not caller.has_role(Role.MENTEE, Role.ADMIN):
        raise forbidden("This requires the admin or mentee role.", slug="missing-role")
    return await _stream(ctx.live, f"mentee:{caller.user_id}", last_event_id)


@router.get(
    "/providers/{provider_id}/schedule/stream",
    response_class=StreamingResponse,
    responses={**_SSE, **problems(*AUTHENTICATED, 403, 404)},
)
async def schedule_stream(
    provider_id: uuid.UUID,
    caller: StreamCaller,
    ctx: Ctx,
    service: ServiceDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    # Its own short unit of work, not the request's Uow: that would hold a database
    # connection for as long as the stream stays open.
    async with service.uow_factory() as uow:
        await owned_provider(uow, provider_id, caller)  # 404 unknown, 403 not theirs
    return await _stream(ctx.live, f"provider:{provider_id}", last_event_id)
