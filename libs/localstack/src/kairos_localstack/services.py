"""The registry of Kairos services the local stack starts, and the contract it relies on.

Each service module honours:
  python -m <module> migrate    run Alembic migrations, exit 0
  python -m <module> http       FastAPI on HTTP_HOST:HTTP_PORT with /health/live, /health/ready
  python -m <module> consumer   Kafka consumers; /metrics and /health/ready on METRICS_PORT
  python -m <module> relay      outbox relay;    /metrics and /health/ready on METRICS_PORT
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Roles started as long-running processes, in start order. "http" gets HTTP_PORT, the
# others METRICS_PORT.
ROLES = ("http", "consumer", "relay")


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # SERVICE_NAME and the process-name prefix ("booking-http")
    module: str  # python -m <module> <role>
    database: str  # its own database on the shared server
    prefix: str  # gateway path prefix, with both slashes
    roles: tuple[str, ...] = ROLES
    needs_stripe: bool = False
    # It writes links people follow (mails): it gets PUBLIC_URL, the gateway's address.
    needs_public_url: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    # The service's own secrets, by environment variable, given to every one of its
    # processes: the local stack makes each once (kairos_localstack.keys.SECRET_MAKERS),
    # Kubernetes reads them from the Secret kairos-<name>-secrets, compose sets them.
    secrets: tuple[str, ...] = ()


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "booking",
        "kairos_booking",
        "kairos_booking",
        "/api/booking/",
        secrets=("LIVE_TOKEN_SECRET",),  # signs browser stream tokens; shared by replicas
    ),
    ServiceSpec(
        "payments", "kairos_payments", "kairos_payments", "/api/payments/", needs_stripe=True
    ),
    ServiceSpec("attendance", "kairos_attendance", "kairos_attendance", "/api/attendance/"),
    ServiceSpec(
        "calendar-sync",
        "kairos_calendar_sync",
        "kairos_calendar_sync",
        "/api/calendar/",
        needs_public_url=True,  # the unsubscribe and preferences links in its mails
        # the Fernet key sealing calendar credentials; the key signing unsubscribe links
        secrets=("CALENDAR_SECRET_KEY", "MAIL_LINK_KEY"),
    ),
)

# Where the stack points localstripe's webhook: the payments service behind the gateway.
STRIPE_WEBHOOK_PATH = "/api/payments/webhooks/stripe"

# Where the gateway serves the merged API documents (kairos_localstack.docs_server).
DOCS_PREFIX = "/api/docs/"


def by_name(names: list[str] | None) -> tuple[ServiceSpec, ...]:
    """The registered services named (all when names is None)."""
    if names is None:
        return SERVICES
    known = {s.name: s for s in SERVICES}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown services: {unknown}; known: {sorted(known)}")
    return tuple(known[n] for n in names)


def all_topics() -> list[str]:
    """Every contract topic plus its dead-letter topic <topic>.dlq."""
    from kairos_contracts import topics  # lazy: contracts may import heavy models

    names = list(topics())
    return sorted(set(names) | {f"{t}.dlq" for t in names})
