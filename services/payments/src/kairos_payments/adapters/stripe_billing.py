"""Stripe Billing over the SDK: customers, plans, subscriptions, invoices (a part of
SdkStripeGateway, kept apart to keep each file small).

Plans (not Prices) because localstripe implements only plans; Stripe still accepts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import stripe

from kairos_payments.service_layer.gateway import (
    StripeInvoice,
    StripeRejected,
    StripeSubscription,
)

if TYPE_CHECKING:
    from stripe.params import SubscriptionCreateParams


def _dict(found: Any) -> dict[str, Any]:
    return found.to_dict() if hasattr(found, "to_dict") else dict(found)


def _subscription(found: Any) -> StripeSubscription:
    obj = _dict(found)
    latest = obj.get("latest_invoice")
    if isinstance(latest, dict):
        latest = latest.get("id")
    return StripeSubscription(
        id=obj["id"],
        status=str(obj["status"]),
        customer=str(obj["customer"]),
        metadata=dict(obj.get("metadata") or {}),
        latest_invoice=latest,
    )


def _invoice_subscription(obj: dict[str, Any]) -> str | None:
    # Older API versions say `subscription`; newer ones moved it under `parent`.
    found = obj.get("subscription")
    if not found:
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        found = details.get("subscription")
    if isinstance(found, dict):
        found = found.get("id")
    return found or None


def _invoice(found: Any) -> StripeInvoice:
    obj = _dict(found)
    lines = ((obj.get("lines") or {}).get("data")) or []
    # The subscription line's period is the service period being paid for (the invoice's
    # own period_start/end is the *previous* period on a Stripe renewal).
    line = next((li for li in lines if li.get("type") == "subscription"), None)
    period = (line or {}).get("period") or {
        "start": obj.get("period_start"),
        "end": obj.get("period_end"),
    }
    return StripeInvoice(
        id=obj["id"],
        status=str(obj.get("status")),
        subscription=_invoice_subscription(obj),
        amount_paid=int(obj.get("amount_paid") or 0),
        currency=str(obj.get("currency") or "").upper(),
        period_start=int(period["start"]),
        period_end=int(period["end"]),
        payment_intent=_invoice_intent(obj),
    )


def _invoice_intent(obj: dict[str, Any]) -> str | None:
    # Older API versions name it on the invoice; newer ones list it under `payments`.
    found = obj.get("payment_intent")
    if not found:
        paid = ((obj.get("payments") or {}).get("data")) or []
        found = next((p.get("payment", {}).get("payment_intent") for p in paid), None)
    if isinstance(found, dict):
        found = found.get("id")
    return str(found) if found else None


class BillingCalls:
    """Mixed into SdkStripeGateway; every call runs inside its ``_translate()``."""

    _client: stripe.StripeClient

    def _translate(self) -> Any:  # provided by SdkStripeGateway
        raise NotImplementedError

    async def create_customer(self, *, metadata: dict[str, str], idempotency_key: str) -> str:
        with self._translate():
            obj = await self._client.v1.customers.create_async(
                params={"metadata": metadata}, options={"idempotency_key": idempotency_key}
            )
        return str(obj.id)

    async def attach_payment_method(self, customer: str, payment_method: str) -> str:
        with self._translate():
            pm = await self._client.v1.payment_methods.attach_async(
                payment_method, params={"customer": customer}
            )
            await self._client.v1.customers.update_async(
                customer, params={"invoice_settings": {"default_payment_method": pm.id}}
            )
        return str(pm.id)

    async def ensure_plan(
        self, *, plan_id: str, amount: int, currency: str, interval: str, product_name: str
    ) -> str:
        params: dict[str, Any] = {
            "id": plan_id,
            "amount": amount,
            "currency": currency.lower(),
            "interval": interval,
            "product": {"name": product_name},
        }
        try:
            with self._translate():
                return str((await self._client.v1.plans.create_async(params=params)).id)  # type: ignore[arg-type]
        except StripeRejected:
            # Already there (409 locally, resource_already_exists at Stripe): the id
            # carries the price, so the existing plan is the one we want.
            with self._translate():
                return str((await self._client.v1.plans.retrieve_async(plan_id)).id)

    async def create_subscription(
        self,
        *,
        customer: str,
        plan: str,
        metadata: dict[str, str],
        idempotency_key: str,
        trial_end: int | None = None,
    ) -> StripeSubscription:
        params: SubscriptionCreateParams = {
            "customer": customer,
            "items": [{"plan": plan}],
            "metadata": metadata,
        }
        if trial_end is not None:
            params["trial_end"] = trial_end
        with self._translate():
            obj = await self._client.v1.subscriptions.create_async(
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        return _subscription(obj)

    async def find_subscription(self, customer: str, key: str) -> StripeSubscription | None:
        with self._translate():
            page = await self._client.v1.subscriptions.list_async(
                params={"customer": customer, "limit": 100}
            )
        found = (_subscription(s) for s in page.data)
        return next((s for s in found if s.metadata.get("kairos_key") == key), None)

    async def retrieve_subscription(self, subscription_id: str) -> StripeSubscription:
        with self._translate():
            return _subscription(
                await self._client.v1.subscriptions.retrieve_async(subscription_id)
            )

    async def cancel_subscription(self, subscription_id: str) -> StripeSubscription:
        try:
            with self._translate():
                obj = await self._client.v1.subscriptions.cancel_async(subscription_id)
        except StripeRejected:
            found = await self.retrieve_subscription(subscription_id)
            if found.status != "canceled":
                raise
            return found  # cancelled already (a retry after a crash)
        return _subscription(obj)

    async def retrieve_invoice(self, invoice_id: str) -> StripeInvoice:
        with self._translate():
            return _invoice(await self._client.v1.invoices.retrieve_async(invoice_id))
