"""Settings of the payments processes: the platform's, plus Stripe and a few knobs."""

from __future__ import annotations

from pydantic import Field

from kairos_platform.settings import ServiceSettings


class PaymentsSettings(ServiceSettings):
    stripe_api_base: str = Field(default="http://127.0.0.1:8420", alias="STRIPE_API_BASE")
    stripe_api_key: str = Field(default="sk_test_kairos_local", alias="STRIPE_API_KEY")
    stripe_webhook_secret: str = Field(default="whsec_kairos_local", alias="STRIPE_WEBHOOK_SECRET")
    # How old a signed webhook may be (replay protection); Stripe's own default.
    stripe_webhook_tolerance_s: int = Field(default=300, alias="STRIPE_WEBHOOK_TOLERANCE_S")
    stripe_timeout_s: float = Field(default=10.0, alias="STRIPE_TIMEOUT_S")

    # A checkout sent right after its hold was placed may arrive before HoldPlaced does:
    # it waits this long for the hold, then answers 404 hold-unknown. Well past the
    # slowest hold -> projection delay measured on a saturated local stack
    # (bench/README.md).
    hold_wait_s: float = Field(default=5.0, alias="HOLD_WAIT_S")
    # The same for a subscription and its offering's OfferingPublished (then 404).
    offering_wait_s: float = Field(default=5.0, alias="OFFERING_WAIT_S")
    # The consumer process reconciles with Stripe this often.
    reconcile_interval_s: float = Field(default=10.0, alias="RECONCILE_INTERVAL_S")
    # A checkout that stopped half-way (crash while at Stripe) may be taken over after this.
    checkout_takeover_s: float = Field(default=30.0, alias="CHECKOUT_TAKEOVER_S")
    # A payment waiting for a Stripe call (or an authorization) this long is re-checked.
    stale_after_s: float = Field(default=15.0, alias="PAYMENT_STALE_AFTER_S")
