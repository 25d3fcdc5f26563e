"""Stripe's webhook: the signature checked over the raw body, each event applied once."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kairos_payments.entrypoints.deps import Gateway, Uows
from kairos_payments.entrypoints.schemas import WebhookAck
from kairos_payments.service_layer.gateway import InvalidSignature
from kairos_payments.service_layer.stripe_events import handle_stripe_event
from kairos_platform import metrics
from kairos_platform.problem_schema import problems

router = APIRouter(tags=["stripe"])


@router.post(
    "/webhooks/stripe",
    responses=problems(
        400,
        402,
        503,
        s400="The `Stripe-Signature` is missing, forged or too old, or the body is not a "
        "Stripe event (`invalid-signature`); nothing was written.",
        s402="Stripe refused to show the event's object (`payment-refused`).",
        s503="Stripe or the database is unavailable: Stripe sends the event again.",
    ),
)
async def stripe_webhook(request: Request, uows: Uows, gateway: Gateway) -> WebhookAck:
    """For Stripe only (signed with the endpoint's secret). The event's object is
    re-fetched and its current status applied."""
    payload = await request.body()  # the raw bytes: the signature covers them exactly
    try:
        event = gateway.parse_webhook(payload, request.headers.get("Stripe-Signature"))
    except InvalidSignature:
        # a burst means a wrong STRIPE_WEBHOOK_SECRET (or a forger): alerted on
        metrics.count_webhook_signature_failure(request.app.state.service.name, "stripe")
        raise
    applied = await handle_stripe_event(uows, gateway, event, "webhook")
    return WebhookAck(event_id=event.id, duplicate=not applied)
