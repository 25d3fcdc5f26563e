"""What calendar-sync's routes read and answer: one pydantic model per body, built from
the domain's objects (``Out.of(...)``), each with an example for the API documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, JsonValue

from kairos_calendar_sync.domain.connections import Connection, Kind
from kairos_contracts.types import AcceptedDatetime
from kairos_platform.pagination import Page

Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Secret = Annotated[str, Field(min_length=1, max_length=4096)]


class CalDavIn(BaseModel):
    """A CalDAV calendar collection and the credentials to write to it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "caldav",
                    "calendar_url": "http://localhost:5232/ana/work/",
                    "username": "ana",
                    "password": "app-password",
                }
            ]
        },
    )

    kind: Literal["caldav"]
    calendar_url: AnyHttpUrl
    username: Text200
    password: Annotated[str, Field(max_length=1024)] = ""


class GoogleIn(BaseModel):
    """OAuth tokens from the app's consent flow (the flow itself runs in the frontend)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "google",
                    "calendar_id": "primary",
                    "access_token": "ya29.a0AfB_example",
                    "refresh_token": "1//0g_example",
                    "expires_at": "2030-01-07T18:00:00+00:00",
                    "client_id": "1234-example.apps.googleusercontent.com",
                    "client_secret": "GOCSPX-example",
                }
            ]
        },
    )

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


def secret_of(body: CalDavIn | GoogleIn) -> tuple[Kind, str, dict[str, Any]]:
    """What a connection body names: its kind, its calendar and the secret to seal."""
    if isinstance(body, CalDavIn):
        secret = {"username": body.username, "password": body.password}
        return Kind.CALDAV, str(body.calendar_url), secret
    secret = body.model_dump(mode="json", exclude={"kind", "calendar_id"}, exclude_none=True)
    return Kind.GOOGLE, body.calendar_id, secret


_CONNECTION_EXAMPLE: dict[str, JsonValue] = {
    "connection_id": "9b2e7c1a-4d3f-4e8b-a6c5-1f0e9d8c7b6a",
    "user_id": "c2a1e0f9-8b7c-4d6e-a5f4-3b2c1d0e9f8a",
    "kind": "caldav",
    "calendar": "http://localhost:5232/ana/work/",
    "status": "active",
    "failures": 0,
    "last_error": None,
    "last_error_at": None,
    "last_synced_at": "2030-01-07T17:02:11Z",
}


class ConnectionOut(BaseModel):
    """A connected calendar and how its syncing goes (never its credentials)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CONNECTION_EXAMPLE]})

    connection_id: uuid.UUID
    user_id: uuid.UUID
    kind: Literal["caldav", "google"]
    calendar: str = Field(description="The CalDAV collection URL, or the Google calendar id.")
    status: Literal["active", "broken"] = Field(
        description="broken after too many failures in a row: test it (or reconnect)."
    )
    failures: int = Field(description="Failures in a row (0 after a success).")
    last_error: str | None
    last_error_at: datetime | None
    last_synced_at: datetime | None

    @classmethod
    def of(cls, c: Connection, **more: object) -> Self:
        """From the connection, plus the members a subclass adds (``more``)."""
        return cls.model_validate(
            {
                "connection_id": c.connection_id,
                "user_id": c.user_id,
                "kind": c.kind.value,
                "calendar": c.calendar_url,
                "status": c.status.value,
                "failures": c.failures,
                "last_error": c.last_error,
                "last_error_at": c.last_error_at,
                "last_synced_at": c.last_synced_at,
                **more,
            }
        )


class ConnectionTestOut(ConnectionOut):
    """The connection after a test: ``ok``, or the calendar's ``error``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_CONNECTION_EXAMPLE, "ok": True, "error": None}]}
    )

    ok: bool
    error: str | None = Field(description="What the calendar answered, when not ok.")


class ConnectionsPage(Page[ConnectionOut]):
    """One page of a user's connected calendars, oldest first."""


class FeedOut(BaseModel):
    """A private feed: its token (shown once, only its hash is kept) and its path."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "token": "k3J9x0vQeXr2mB7tYp4nL8sW1cZ6aF5dH0gU3iE2oR4",
                    "path": "/feeds/k3J9x0vQeXr2mB7tYp4nL8sW1cZ6aF5dH0gU3iE2oR4.ics",
                }
            ]
        }
    )

    token: str
    path: str = Field(description="Under the service's prefix: what calendar apps subscribe to.")

    @classmethod
    def of(cls, token: str) -> Self:
        return cls(token=token, path=f"/feeds/{token}.ics")
