"""Settings every service process reads from its environment.

Each process (HTTP, consumer, relay) of a service gets its own environment from whoever
starts it (the local stack, compose, Kubernetes), so names are unprefixed: ``DATABASE_URL``
is *this service's* database.

A service's settings extend :class:`ServiceSettings` (and :class:`MailSettings` when it sends
mail) with its own fields; its ``bootstrap`` reads them with ``from_service_settings``.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: str = Field(default="kairos", alias="SERVICE_NAME")
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres", alias="DATABASE_URL"
    )
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092", alias="KAFKA_BOOTSTRAP_SERVERS")

    http_host: str = Field(default="127.0.0.1", alias="HTTP_HOST")
    http_port: int = Field(default=8000, alias="HTTP_PORT")
    # uvicorn worker processes of the HTTP process (each a whole process in memory:
    # bench/README.md). More than one lets concurrent requests run in parallel on a
    # multi-core host; each worker keeps its own /metrics, so a scrape sees one worker's
    # counters: prefer replicas where they exist.
    http_workers: int = Field(default=1, ge=1, le=16, alias="HTTP_WORKERS")
    # Consumer and relay processes expose /metrics and health on their own small port.
    metrics_port: int = Field(default=0, alias="METRICS_PORT")

    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_json: bool = Field(default=True, alias="LOG_JSON")

    # Auth: keys from a JWKS URL, or a local PEM public key file (the dev default).
    jwt_issuer: str = Field(default="kairos-local", alias="JWT_ISSUER")
    jwt_audience: str = Field(default="kairos", alias="JWT_AUDIENCE")
    jwks_url: str | None = Field(default=None, alias="JWKS_URL")
    jwt_public_key_file: str | None = Field(default=None, alias="JWT_PUBLIC_KEY_FILE")

    relay_batch_size: int = Field(default=500, alias="RELAY_BATCH_SIZE")
    relay_poll_interval_s: float = Field(default=1.0, alias="RELAY_POLL_INTERVAL_S")

    consumer_max_attempts: int = Field(default=5, alias="CONSUMER_MAX_ATTEMPTS")
    consumer_backoff_base_s: float = Field(default=0.05, alias="CONSUMER_BACKOFF_BASE_S")
    consumer_backoff_max_s: float = Field(default=2.0, alias="CONSUMER_BACKOFF_MAX_S")
    consumer_max_records: int = Field(default=200, alias="CONSUMER_MAX_RECORDS")
    # How long the broker holds a fetch that finds nothing (it answers as soon as records
    # arrive), and how long the subscriber waits for a fetch to bring some before it looks
    # again (kairos_platform.messaging.kafka): both cost nothing while waiting, so neither
    # adds latency; shorter only costs idle CPU (bench/README.md, "Broker delivery").
    consumer_fetch_max_wait_ms: int = Field(default=500, alias="CONSUMER_FETCH_MAX_WAIT_MS")
    consumer_batch_timeout_ms: int = Field(default=100, ge=1, alias="CONSUMER_BATCH_TIMEOUT_MS")
    # Handled batches' offsets are committed together this often (0: after every batch);
    # a crash makes the consumer read at most this much again, which its inbox drops.
    consumer_commit_interval_ms: int = Field(default=500, ge=0, alias="CONSUMER_COMMIT_INTERVAL_MS")
    # A consumer killed without leaving its group gives up its partitions after this long.
    consumer_session_timeout_ms: int = Field(default=6000, alias="CONSUMER_SESSION_TIMEOUT_MS")

    @classmethod
    def from_service_settings(cls, settings: ServiceSettings | None, *, service: str) -> Self:
        """This service's settings from what ``bootstrap`` was handed: those themselves when
        they already are, the environment's when none (SERVICE_NAME ``service``), or plain
        ServiceSettings (tests, the platform) kept and completed with our own fields."""
        if isinstance(settings, cls):
            return settings
        if settings is None:
            return cls(SERVICE_NAME=service)
        return cls.model_validate(settings.model_dump(by_alias=True))

    @property
    def sqlalchemy_url(self) -> str:
        """The URL with the asyncpg driver, whatever scheme the operator gave."""
        url = self.database_url
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url

    @property
    def asyncpg_dsn(self) -> str:
        """The plain libpq-style URL asyncpg's own connect() wants (LISTEN/NOTIFY)."""
        return "postgresql://" + self.sqlalchemy_url.removeprefix("postgresql+asyncpg://")


class MailSettings(ServiceSettings):
    """Settings of a service that sends mail (``kairos_platform.mail``): where its SMTP
    server is and who the mails are from (each service gives its own default sender)."""

    smtp_host: str = Field(default="127.0.0.1", alias="SMTP_HOST")
    smtp_port: int = Field(default=25, alias="SMTP_PORT")
    smtp_from: str = Field(default="Kairos <noreply@kairos.local>", alias="SMTP_FROM")
    mail_batch_size: int = Field(default=50, ge=1, alias="MAIL_BATCH_SIZE")
    # SMTP sessions the mail job keeps going at once, each with its own batch
    mail_sessions: int = Field(default=1, ge=1, alias="MAIL_SESSIONS")
