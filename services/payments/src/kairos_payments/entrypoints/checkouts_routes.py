"""Checkouts: pay for a hold by card or with credits, read a checkout, and hear from the
browser that it confirmed the card."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from kairos_contracts.types import PaymentMethod
from kairos_payments.entrypoints.deps import Gateway, Settings, Uows, caller
from kairos_payments.entrypoints.schemas import CheckoutIn, CheckoutOut
from kairos_payments.service_layer import checkout
from kairos_platform.auth import CurrentUser, MenteeOrAdmin
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["checkout"])


@router.post(
    "/checkouts",
    status_code=status.HTTP_201_CREATED,
    responses={
        status.HTTP_200_OK: {
            "model": CheckoutOut,
            "description": "The hold's checkout existed already (a repeat, or another card "
            "after a refusal): as it is now.",
        },
        **problems(
            *AUTHENTICATED,
            400,
            402,
            403,
            404,
            409,
            410,
            s400="A credit payment given a `payment_method_id`.",
            s402="The card was declined (`card-declined`: the hold stays yours until it "
            "expires, pay again with another card), Stripe refused the payment "
            "(`payment-refused`), or too few credits (`insufficient-credits`).",
            s403="Someone else's hold (`not-owner`), or not a mentee.",
            s404="No such hold, or not yet known here (`hold-unknown`): a hold placed a "
            "moment ago is waited for (HOLD_WAIT_S) before this answer.",
            s409="The hold has another payment (`hold-taken`), the session has no price in "
            "credits (`no-credit-price`), or a checkout of this hold is running right now "
            "(`checkout-in-progress`, with Retry-After).",
            s410="The hold expired or was released (`hold-gone`).",
            s503="Stripe or the database is unavailable; retry after `Retry-After`.",
        ),
    },
)
async def create_checkout(
    body: CheckoutIn,
    user: MenteeOrAdmin,
    response: Response,
    uows: Uows,
    gateway: Gateway,
    settings: Settings,
) -> CheckoutOut:
    """Pay for a hold (201; 200 when its checkout existed). By card: one PaymentIntent per
    hold, authorized now and captured when booking confirms; without `payment_method_id`
    the browser confirms it with `client_secret`. With credits: debited at once."""
    result = await checkout.checkout(
        uows,
        gateway,
        hold_id=body.hold_id,
        method=PaymentMethod(body.method),
        payment_method=body.payment_method_id,
        caller=caller(user),
        wait_s=settings.hold_wait_s,
        takeover_s=settings.checkout_takeover_s,
    )
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return CheckoutOut.of(result)


@router.get(
    "/checkouts/{payment_id}",
    responses=problems(*AUTHENTICATED, 404, s404="No such checkout of yours."),
)
async def get_checkout(payment_id: uuid.UUID, user: CurrentUser, uows: Uows) -> CheckoutOut:
    """The checkout as payments has it (no call to Stripe)."""
    payment = await checkout.own_payment(uows, payment_id, caller(user))
    return CheckoutOut.of(checkout.CheckoutResult(payment, created=False))


@router.post(
    "/checkouts/{payment_id}/confirmation",
    responses=problems(
        *AUTHENTICATED,
        402,
        404,
        s402="Stripe refused to show the PaymentIntent (`payment-refused`).",
        s404="No such checkout of yours.",
        s503="Stripe or the database is unavailable; retry after `Retry-After`.",
    ),
)
async def confirm_checkout(
    payment_id: uuid.UUID, user: CurrentUser, uows: Uows, gateway: Gateway
) -> CheckoutOut:
    """The browser confirmed the PaymentIntent (Stripe.js): payments re-fetches it now
    and answers the checkout as it is then (`verified` once authorized), instead of
    waiting for Stripe's event."""
    result = await checkout.refresh_checkout(uows, gateway, payment_id, caller(user))
    return CheckoutOut.of(result)
