"""Settings of the booking processes: the platform's, plus hold expiry and stream tokens."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from kairos_platform.settings import ServiceSettings

#: The stream-token secret used when LIVE_TOKEN_SECRET is unset: public (it is in the
#: source), so anyone can make stream tokens with it; the HTTP process logs a warning when it
#: is used. Every replica of booking's HTTP process must share the real one.
DEV_LIVE_TOKEN_SECRET = "kairos-dev-only-live-token-secret-000"


class BookingSettings(ServiceSettings):
    hold_ttl_s: int = Field(default=600, ge=30, alias="HOLD_TTL_S")
    hold_expiry_interval_s: float = Field(default=2.0, gt=0, alias="HOLD_EXPIRY_INTERVAL_S")
    hold_expiry_batch: int = Field(default=500, ge=1, alias="HOLD_EXPIRY_BATCH")
    # Stream tokens (POST /live/tokens) open the event streams from a browser's EventSource,
    # which cannot send an Authorization header: HMAC-signed with this secret, short-lived.
    live_token_secret: str = Field(
        default=DEV_LIVE_TOKEN_SECRET, min_length=16, alias="LIVE_TOKEN_SECRET"
    )
    live_token_ttl_s: int = Field(default=60, ge=5, le=600, alias="LIVE_TOKEN_TTL_S")

    @property
    def hold_ttl(self) -> timedelta:
        return timedelta(seconds=self.hold_ttl_s)
