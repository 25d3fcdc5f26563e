"""The payments HTTP API: every router of the service (routes only translate; the
service layer's refusals answer for themselves, ``kairos_platform.refusals``)."""

from __future__ import annotations

from fastapi import APIRouter

from kairos_payments.entrypoints import checkouts, credits, statement, subscriptions, webhooks
from kairos_platform import ping

ROUTERS: list[APIRouter] = [
    ping.router,
    checkouts.router,
    credits.router,
    webhooks.router,
    statement.router,
    subscriptions.router,
]
