"""Payments: Stripe PaymentIntents, captures, voids, refunds, credits, subscriptions."""

SERVICE = "payments"
