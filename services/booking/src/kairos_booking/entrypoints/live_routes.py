"""Live updates (server-sent events): a mentee follows their bookings, a mentor their
schedule, as the events happen. Fed from Kafka by :class:`kairos_platform.live.LiveHub`
(no consumer group, from the end, a ring per audience for ``Last-Event-ID`` resume).

  GET /me/bookings/stream                  the caller's holds, bookings and rejections
  GET /providers/{provider_id}/schedule/stream   the same for that provider (its mentor, admin)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import StreamingResponse

from kairos_booking.entrypoints.errors import unit_of_work
from kairos_booking.service_layer.catalog import owned_provider
from kairos_contracts import Envelope
from kairos_contracts.topics import BOOKING_BOOKINGS, BOOKING_HOLDS, BOOKING_REJECTIONS
from kairos_platform.auth import CurrentUser, MenteeOrAdmin
from kairos_platform.live import LiveHub, sse_response
from kairos_platform.problems import service_unavailable

LIVE_TOPICS = (BOOKING_HOLDS, BOOKING_BOOKINGS, BOOKING_REJECTIONS)

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


def live_router(uow_factory: Any, hub: LiveHub | None = None) -> APIRouter:
    hub = hub or LiveHub(None, LIVE_TOPICS, audiences, client_id="booking-live")
    router = APIRouter(tags=["live"], lifespan=hub.lifespan)

    async def stream(audience: str, last_event_id: str | None) -> StreamingResponse:
        try:
            return await sse_response(hub, audience, last_event_id)
        except TimeoutError as exc:
            raise service_unavailable(
                "Live updates are not available right now.",
                slug="live-unavailable",
                retry_after=2,
            ) from exc

    @router.get("/me/bookings/stream", response_class=StreamingResponse, responses=_SSE)
    async def my_bookings_stream(
        caller: MenteeOrAdmin,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        return await stream(f"mentee:{caller.user_id}", last_event_id)

    @router.get(
        "/providers/{provider_id}/schedule/stream",
        response_class=StreamingResponse,
        responses=_SSE,
    )
    async def schedule_stream(
        provider_id: uuid.UUID,
        caller: CurrentUser,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> StreamingResponse:
        async with unit_of_work(uow_factory) as uow:
            await owned_provider(uow, provider_id, caller)  # 404 unknown, 403 not theirs
        return await stream(f"provider:{provider_id}", last_event_id)

    return router
