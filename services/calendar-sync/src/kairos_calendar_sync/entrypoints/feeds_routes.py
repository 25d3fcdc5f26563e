"""Private ICS feeds: made and revoked by their owner, read by calendar apps with the
token alone."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from kairos_calendar_sync.entrypoints.deps import Uow
from kairos_calendar_sync.entrypoints.schemas import FeedOut
from kairos_calendar_sync.service_layer import feeds
from kairos_platform.auth import CurrentUser
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["feeds"])


class CalendarResponse(Response):
    """An iCalendar document (RFC 5545)."""

    media_type = "text/calendar"


_ICS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The owner's live sessions as one VCALENDAR (RFC 5545), a VEVENT "
        "each (UID `<booking_id>@kairos`, SEQUENCE the booking's).",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}


@router.post(
    "/feeds",
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        *AUTHENTICATED, 409, 422, s409="A request with this Idempotency-Key is still running."
    ),
)
async def create(user: CurrentUser, uow: Uow) -> FeedOut:
    """A new private feed of the caller's sessions. The token is the feed's only
    credential: it is shown here once, and only its hash is kept."""
    return FeedOut.of(await feeds.create(uow, user.user_id))


# No auth: the unguessable token is the credential, as calendar apps need.
@router.get(
    "/feeds/{token}.ics",
    response_class=CalendarResponse,
    responses={**_ICS, **problems(404, 503, s404="No such feed, or it was revoked.")},
)
async def feed(token: str, uow: Uow) -> CalendarResponse:
    """The feed (public: the token in the path is the credential)."""
    return CalendarResponse(await feeds.render(uow, token))


@router.delete(
    "/feeds/{token}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(
        *AUTHENTICATED, 403, 404, s403="Another user's feed (`not-owner`).", s404="No such feed."
    ),
)
async def revoke(token: str, user: CurrentUser, uow: Uow) -> None:
    """Revoke a feed: its address answers 404 from now on."""
    await feeds.revoke(uow, user, token)
