"""The Stripe gateway over the official SDK (``StripeClient``, async through httpx).

``api_base`` points at localstripe locally and at Stripe in production. Errors are sorted
into two kinds: Stripe unreachable or overloaded (StripeUnavailable: retry later, 503) and
Stripe refusing the request (StripeRejected). localstripe ignores Idempotency-Key; we send
it anyway (Stripe honours it) and prevent duplicates with our own state.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import stripe

from kairos_payments.adapters.stripe_billing import BillingCalls
from kairos_payments.service_layer.gateway import (
    Intent,
    InvalidSignature,
    Refund,
    StripeEvent,
    StripeRejected,
    StripeUnavailable,
)
from kairos_payments.settings import PaymentsSettings

if TYPE_CHECKING:
    from stripe.params import EventListParams, PaymentIntentConfirmParams, PaymentIntentCreateParams


def _intent(found: Any) -> Intent:
    obj = found.to_dict() if hasattr(found, "to_dict") else found
    error = obj.get("last_payment_error") or None
    return Intent(
        id=obj["id"],
        status=obj["status"],
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        client_secret=obj.get("client_secret"),
        metadata=dict(obj.get("metadata") or {}),
        error_code=(error.get("code") or "card_error") if error else None,
        error_message=error.get("message") if error else None,
        error_charge=_charge_id(error.get("charge") or obj.get("latest_charge")) if error else None,
    )


def _charge_id(found: Any) -> str | None:
    """A charge's id, whether Stripe gave the id or the object (localstripe expands it)."""
    if isinstance(found, dict):
        found = found.get("id")
    return str(found) if found else None


def _refund(found: Any) -> Refund:
    obj = found.to_dict()
    key = (obj.get("metadata") or {}).get("kairos_key")
    return Refund(id=obj["id"], status=str(obj.get("status")), amount=int(obj["amount"]), key=key)


def _event(raw: dict[str, Any]) -> StripeEvent:
    obj = (raw.get("data") or {}).get("object") or {}
    return StripeEvent(
        id=str(raw["id"]),
        type=str(raw.get("type", "")),
        created=int(raw.get("created", 0)),
        object_type=obj.get("object"),
        object_id=obj.get("id"),
    )


class _Translate:
    """Turns SDK exceptions into the port's two kinds."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or not isinstance(exc, stripe.StripeError):
            return
        status = exc.http_status or 0
        if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or status >= 500:
            raise StripeUnavailable(str(exc)) from exc
        if status == 0:
            raise StripeUnavailable(str(exc)) from exc
        raise StripeRejected(str(exc.user_message or exc), code=exc.code) from exc


class SdkStripeGateway(BillingCalls):
    def __init__(self, settings: PaymentsSettings) -> None:
        self._secret = settings.stripe_webhook_secret
        self._tolerance = settings.stripe_webhook_tolerance_s
        self._client = stripe.StripeClient(
            settings.stripe_api_key,
            base_addresses={"api": settings.stripe_api_base},
            http_client=stripe.HTTPXClient(timeout=settings.stripe_timeout_s),
            # Retries are ours (sweeper, reconciliation), decided on re-fetched state.
            max_network_retries=0,
        )
        self._pi = self._client.v1.payment_intents

    def _translate(self) -> _Translate:
        return _Translate()

    async def create_intent(
        self,
        *,
        amount: int,
        currency: str,
        metadata: dict[str, str],
        idempotency_key: str,
        manual_capture: bool,
        payment_method: str | None = None,
    ) -> Intent:
        params: PaymentIntentCreateParams = {
            "amount": amount,
            "currency": currency.lower(),
            "metadata": metadata,
            "capture_method": "manual" if manual_capture else "automatic",
        }
        if payment_method:
            params["payment_method"] = payment_method
        with _Translate():
            obj = await self._pi.create_async(
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        return _intent(obj)

    async def confirm_intent(
        self, intent_id: str, *, idempotency_key: str, payment_method: str | None = None
    ) -> Intent:
        params: PaymentIntentConfirmParams = (
            {"payment_method": payment_method} if payment_method else {}
        )
        try:
            with _Translate():
                obj = await self._pi.confirm_async(
                    intent_id,
                    params=params,
                    options={"idempotency_key": idempotency_key},
                )
        except StripeRejected as exc:
            if exc.code != "card_declined":
                raise
            return await self.retrieve_intent(intent_id)  # the intent records the decline
        return _intent(obj)

    async def retrieve_intent(self, intent_id: str) -> Intent:
        return await self._intent_call("get", f"/v1/payment_intents/{quote(intent_id, safe='')}")

    async def capture_intent(self, intent_id: str, *, idempotency_key: str) -> Intent:
        path = f"/v1/payment_intents/{quote(intent_id, safe='')}/capture"
        return await self._intent_call("post", path, idempotency_key=idempotency_key)

    async def _intent_call(self, method: str, path: str, **options: str) -> Intent:
        """The paid path's two calls (every webhook's re-fetch, the capture) as raw
        requests through the same client: its errors, headers and keys, but the answer read
        as the JSON it is. Building the SDK's StripeObject tree cost half of each call's CPU
        (bench/README.md, CPU per paid booking)."""
        with _Translate():
            answer = await self._client.raw_request_async(method, path, **options)
        return _intent(answer.data)

    async def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> Intent:
        with _Translate():
            obj = await self._pi.cancel_async(
                intent_id, options={"idempotency_key": idempotency_key}
            )
        return _intent(obj)

    async def refund(self, intent_id: str, *, amount: int, idempotency_key: str) -> Refund:
        # localstripe ignores Idempotency-Key: a refund carries its key in its metadata and
        # a retry first looks for it, so a crash between Stripe and our commit never refunds
        # twice.
        with _Translate():
            page = await self._client.v1.refunds.list_async(
                params={"payment_intent": intent_id, "limit": 100}
            )
            for found in page.data:
                if _refund(found).key == idempotency_key:
                    return _refund(found)
            obj = await self._client.v1.refunds.create_async(
                params={
                    "payment_intent": intent_id,
                    "amount": amount,
                    "metadata": {"kairos_key": idempotency_key},
                },
                options={"idempotency_key": idempotency_key},
            )
        return _refund(obj)

    async def list_events(
        self, *, created_gte: int, starting_after: str | None = None, limit: int = 100
    ) -> tuple[list[StripeEvent], bool]:
        params: EventListParams = {"created": {"gte": created_gte}, "limit": limit}
        if starting_after:
            params["starting_after"] = starting_after
        with _Translate():
            page = await self._client.v1.events.list_async(params=params)
        return [_event(e.to_dict()) for e in page.data], bool(page.has_more)

    def parse_webhook(self, payload: bytes, signature: str | None) -> StripeEvent:
        if not signature:
            raise InvalidSignature("The Stripe-Signature header is missing.")
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(text, signature, self._secret, self._tolerance)
            raw = json.loads(text)
            return _event(raw)
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignature(str(exc)) from exc
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InvalidSignature("The webhook body is not a Stripe event.") from exc
