"""Each person's mail preferences (time zone, locale, topics), and the one-click
unsubscribe links (RFC 8058) the mails carry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kairos_calendar_sync.entrypoints import unsubscribe_page
from kairos_calendar_sync.entrypoints.deps import Settings, Uow
from kairos_calendar_sync.entrypoints.preferences_schemas import (
    MailPreferencesIn,
    MailPreferencesOut,
    UnsubscribedOut,
)
from kairos_calendar_sync.service_layer import preferences
from kairos_platform.auth import CurrentUser
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["mail preferences"])

_HTML = {"text/html": {"schema": {"type": "string"}}}
_BAD_LINK = "Not a link we signed (forged, mistyped or cut short)."


def _preferences_url(settings: Settings) -> str:
    return f"{settings.public_url.rstrip('/')}/preferences"


@router.get("/me/mail-preferences", responses=problems(*AUTHENTICATED))
async def my_mail_preferences(user: CurrentUser, uow: Uow) -> MailPreferencesOut:
    """The caller's mail preferences. The token's OIDC `zoneinfo` and `locale` claims (and
    `email`, `name`) are kept first: they are the zone and locale until the caller chooses."""
    return MailPreferencesOut.of(await preferences.read(uow, user))


@router.put(
    "/me/mail-preferences",
    responses=problems(*AUTHENTICATED, 422, s422="An unknown zone, locale or topic, or "
                       "a missing field: each in `errors`; nothing was stored."),
)  # fmt: skip
async def choose_mail_preferences(
    body: MailPreferencesIn, user: CurrentUser, uow: Uow
) -> MailPreferencesOut:
    """Replace the caller's choice: zone, locale (stored as `es_ES`) and the topics they
    stop. It stands until they change it; their tokens' claims no longer change it. The
    same body again stores the same."""
    person = await preferences.choose(
        uow, user, time_zone=body.time_zone, locale=body.locale, unsubscribed=body.unsubscribed
    )
    return MailPreferencesOut.of(person)


# No auth on these two: the signed token in the path is the authority, as mail clients
# (RFC 8058) and people clicking in their mail have no sign-in.
@router.get(
    "/unsubscribe/{token}",
    response_class=HTMLResponse,
    responses={
        200: {
            "description": "A page saying what the link stops, with the button that does "
            "(a POST to this address). A GET changes nothing: scanners fetch links.",
            "content": _HTML,
        },
        **problems(404, 503, s404=_BAD_LINK),
    },
)
async def unsubscribe_page_of(token: str, settings: Settings) -> HTMLResponse:
    """The page behind a mail's unsubscribe link (public: the token is the credential)."""
    topic = preferences.topic_of_link(settings.mail_link_key.encode(), token)
    return unsubscribe_page.confirm_page(topic, _preferences_url(settings))


@router.post(
    "/unsubscribe/{token}",
    response_model=UnsubscribedOut,
    responses={
        200: {
            "description": "The topic is stopped for the link's person (nothing else "
            "changes; again, nothing more). A page instead when `Accept` names text/html "
            "(the button of the GET page).",
            "content": _HTML,
        },
        **problems(404, 503, s404=_BAD_LINK),
    },
)
async def unsubscribe_by_link(token: str, request: Request, uow: Uow, settings: Settings) -> Any:
    """One-click unsubscribe (RFC 8058; public: the token is the credential). Any body is
    accepted (mail clients send `List-Unsubscribe=One-Click`)."""
    topic = await preferences.unsubscribe_by_link(uow, settings.mail_link_key.encode(), token)
    if "text/html" in request.headers.get("accept", ""):
        return unsubscribe_page.done_page(topic, _preferences_url(settings))
    return UnsubscribedOut(topic=topic)
