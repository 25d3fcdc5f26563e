"""Booking's own knobs, read from the environment next to the platform's settings."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BookingSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    hold_ttl_s: int = Field(default=600, ge=30, alias="HOLD_TTL_S")
    hold_expiry_interval_s: float = Field(default=2.0, gt=0, alias="HOLD_EXPIRY_INTERVAL_S")
    hold_expiry_batch: int = Field(default=500, ge=1, alias="HOLD_EXPIRY_BATCH")

    @property
    def hold_ttl(self) -> timedelta:
        return timedelta(seconds=self.hold_ttl_s)
