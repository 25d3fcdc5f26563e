"""The payments HTTP API: every router of the service (routes only translate; the
service layer's refusals answer for themselves, ``kairos_platform.refusals``)."""

from __future__ import annotations

from fastapi import APIRouter

from kairos_payments.entrypoints import (
    checkouts_routes,
    credits_routes,
    statement_routes,
    subscriptions_routes,
    webhooks_routes,
)
from kairos_platform import dead_letters, ping

ROUTERS: list[APIRouter] = [
    ping.router,
    dead_letters.router,
    checkouts_routes.router,
    credits_routes.router,
    webhooks_routes.router,
    statement_routes.router,
    subscriptions_routes.router,
]
