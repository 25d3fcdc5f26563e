"""HTTP routes of the payments service: they translate requests into service-layer calls
and the service layer's refusals into problem+json, nothing more."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from kairos_payments.domain.credits import InsufficientCredits
from kairos_payments.domain.payments import PaymentStatus
from kairos_payments.domain.statement import StatementLine
from kairos_payments.service_layer import checkout, credits
from kairos_payments.service_layer.checkout import Caller, CheckoutResult
from kairos_payments.service_layer.gateway import (
    InvalidSignature,
    StripeGateway,
    StripeRejected,
    StripeUnavailable,
)
from kairos_payments.service_layer.stripe_events import handle_stripe_event
from kairos_payments.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_payments.settings import PaymentsSettings
from kairos_platform.auth import CurrentUser, MenteeOrAdmin, Principal, ensure_owner, is_admin
from kairos_platform.ping import ping_router
from kairos_platform.problems import (
    Problem,
    bad_request,
    conflict,
    forbidden,
    gone,
    not_found,
    payment_required,
    service_unavailable,
)

UowFactory = Callable[[], ServiceUnitOfWork]
PaymentMethodId = Field(default=None, pattern=r"^pm_[A-Za-z0-9_]{1,200}$")


class CheckoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hold_id: uuid.UUID
    method: Literal["card", "credits"] = "card"
    payment_method: str | None = PaymentMethodId


class PurchaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: str = Field(min_length=1, max_length=50)
    purchase_id: uuid.UUID | None = None
    payment_method: str | None = PaymentMethodId


@contextmanager
def problems() -> Iterator[None]:
    """The service layer's refusals, as HTTP says them."""
    try:
        yield
    except checkout.HoldNotYetKnown as exc:
        raise conflict(
            "The hold is not known here yet; retry in a moment.",
            slug="hold-not-ready",
            headers={"Retry-After": "1"},
            retry_after_s=1,
        ) from exc
    except checkout.HoldGone as exc:
        raise gone("The hold has expired or was released.", slug="hold-gone") from exc
    except checkout.NotYourHold as exc:
        raise forbidden("This hold belongs to someone else.", slug="not-owner") from exc
    except checkout.HoldAlreadyPaid as exc:
        raise conflict("This hold already has a payment.", slug="hold-taken") from exc
    except checkout.CreditsNotAccepted as exc:
        raise conflict("This session cannot be paid with credits.", slug="no-credit-price") from exc
    except checkout.CheckoutInProgress as exc:
        raise conflict(
            "A checkout for this hold is in progress; retry in a moment.",
            slug="checkout-in-progress",
            headers={"Retry-After": "1"},
        ) from exc
    except checkout.CardDeclined as exc:
        p = exc.payment
        raise Problem(
            402,
            "Card declined",
            f"{exc} The hold stays yours until it expires: pay again with another card.",
            slug="card-declined",
            decline_code=p.decline_code,
            payment_id=str(p.payment_id),
            hold_id=str(p.hold_id),
            hold_expires_at=exc.hold.expires_at.isoformat(),
        ) from exc
    except checkout.UnknownPayment as exc:
        raise not_found(f"There is no checkout {exc} of yours.", slug="unknown-checkout") from exc
    except InsufficientCredits as exc:
        raise payment_required(
            str(exc), slug="insufficient-credits", needed=exc.needed, balance=exc.balance
        ) from exc
    except credits.UnknownPack as exc:
        raise not_found(f"There is no credit pack {exc}.", slug="unknown-pack") from exc
    except credits.PurchaseNotYours as exc:
        raise forbidden("This purchase belongs to someone else.", slug="not-owner") from exc
    except StripeUnavailable as exc:
        raise service_unavailable(
            "Payments are unavailable; retry shortly.", retry_after=5
        ) from exc
    except StripeRejected as exc:
        raise Problem(402, "Payment refused", str(exc), slug="payment-refused") from exc


def _checkout_body(r: CheckoutResult) -> dict[str, Any]:
    p = r.payment
    body: dict[str, Any] = {
        "payment_id": str(p.payment_id),
        "hold_id": str(p.hold_id),
        "method": p.method,
        "status": p.status.value,
        "amount_minor": p.amount_minor,
        "currency": p.currency,
    }
    if p.stripe_payment_intent_id is not None:
        body["payment_intent_id"] = p.stripe_payment_intent_id
    if r.intent is not None:
        body |= {
            "payment_intent_id": r.intent.id,
            "client_secret": r.intent.client_secret,
            "intent_status": r.intent.status,
        }
    if p.decline_code is not None and p.status is PaymentStatus.OPEN:
        body["decline"] = {"code": p.decline_code, "message": p.decline_message}
    if p.credits_spent is not None:
        body["credits_spent"] = p.credits_spent
    if r.balance_after is not None:
        body["balance_after"] = r.balance_after
    return body


def routers(
    uow_factory: UowFactory, gateway: StripeGateway, settings: PaymentsSettings
) -> list[APIRouter]:
    # Imported here: the subscriptions routes reuse this module's problems().
    from kairos_payments.entrypoints.subscriptions_http import subscriptions_router

    return [
        ping_router(uow_factory),
        _checkout_router(uow_factory, gateway, settings),
        _credits_router(uow_factory, gateway),
        _webhook_router(uow_factory, gateway),
        _statement_router(uow_factory),
        subscriptions_router(uow_factory, gateway, settings),
    ]


def _caller(user: Principal) -> Caller:
    return Caller(user.user_id, is_admin=is_admin(user))


def _checkout_router(
    uow_factory: UowFactory, gateway: StripeGateway, settings: PaymentsSettings
) -> APIRouter:
    router = APIRouter(tags=["checkout"])

    @router.post("/checkouts", status_code=status.HTTP_201_CREATED)
    async def create_checkout(
        body: CheckoutIn, user: MenteeOrAdmin, response: Response
    ) -> dict[str, Any]:
        with problems():
            if body.method == "credits":
                if body.payment_method:
                    raise bad_request("A credit payment takes no payment_method.")
                result = await checkout.checkout_credits(
                    uow_factory,
                    hold_id=body.hold_id,
                    caller=_caller(user),
                    wait_s=settings.hold_wait_s,
                )
            else:
                result = await checkout.checkout_card(
                    uow_factory,
                    gateway,
                    hold_id=body.hold_id,
                    caller=_caller(user),
                    payment_method=body.payment_method,
                    wait_s=settings.hold_wait_s,
                    takeover_s=settings.checkout_takeover_s,
                )
        if not result.created:
            response.status_code = status.HTTP_200_OK
        return _checkout_body(result)

    @router.get("/checkouts/{payment_id}")
    async def read_checkout(payment_id: uuid.UUID, user: CurrentUser) -> dict[str, Any]:
        """The checkout as payments has it (no call to Stripe)."""
        with problems():
            payment = await checkout.own_payment(uow_factory, payment_id, _caller(user))
        return _checkout_body(CheckoutResult(payment, created=False))

    @router.post("/checkouts/{payment_id}/confirmation")
    async def confirmed_in_browser(payment_id: uuid.UUID, user: CurrentUser) -> dict[str, Any]:
        """The browser confirmed the PaymentIntent (Stripe.js): payments re-fetches it now
        and answers the checkout as it is then, instead of waiting for Stripe's event."""
        with problems():
            result = await checkout.refresh_checkout(
                uow_factory, gateway, payment_id, _caller(user)
            )
        return _checkout_body(result)

    return router


def _credits_router(uow_factory: UowFactory, gateway: StripeGateway) -> APIRouter:
    router = APIRouter(prefix="/credits", tags=["credits"])

    @router.get("")
    async def get_credits(user: CurrentUser, user_id: uuid.UUID | None = None) -> dict[str, Any]:
        owner = user_id or user.user_id
        ensure_owner(user, owner)
        return await credits.balance_and_ledger(uow_factory, owner)

    @router.post("/purchases", status_code=status.HTTP_201_CREATED)
    async def buy(body: PurchaseIn, user: CurrentUser) -> dict[str, Any]:
        with problems():
            r = await credits.purchase_pack(
                uow_factory,
                gateway,
                user_id=user.user_id,
                pack=body.pack,
                purchase_id=body.purchase_id,
                payment_method=body.payment_method,
            )
        p = r.purchase
        return {
            "purchase_id": str(p.purchase_id),
            "pack": p.pack,
            "credits": p.credits,
            "amount_minor": p.amount_minor,
            "currency": p.currency,
            "status": p.status,
            "payment_intent_id": r.intent.id if r.intent else None,
            "client_secret": r.intent.client_secret if r.intent else None,
        }

    return router


def _statement_line(line: StatementLine) -> dict[str, Any]:
    body = dataclasses.asdict(line)
    for key in ("payment_id", "hold_id", "booking_id", "subscription_id"):
        body[key] = str(body[key]) if body[key] is not None else None
    body["kind"] = line.kind.value
    body["created_at"] = line.created_at.isoformat()
    code, message = body.pop("decline_code"), body.pop("decline_message")
    body["decline"] = {"code": code, "message": message} if code else None
    return body


def _statement_router(uow_factory: UowFactory) -> APIRouter:
    router = APIRouter(tags=["statement"])

    @router.get("/me/payments")
    async def my_payments(
        user: CurrentUser,
        user_id: uuid.UUID | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Every payment of the user, newest first: checkouts, subscription cycles and
        credit packs, with the money taken from the card and given back to it."""
        owner = user_id or user.user_id
        ensure_owner(user, owner)
        async with uow_factory() as uow:
            lines = await uow.statements.lines(owner, limit)
        return {"user_id": str(owner), "payments": [_statement_line(x) for x in lines]}

    return router


def _webhook_router(uow_factory: UowFactory, gateway: StripeGateway) -> APIRouter:
    router = APIRouter(tags=["stripe"])

    @router.post("/webhooks/stripe")
    async def stripe_webhook(request: Request) -> dict[str, Any]:
        payload = await request.body()  # the raw bytes: the signature covers them exactly
        try:
            event = gateway.parse_webhook(payload, request.headers.get("Stripe-Signature"))
        except InvalidSignature as exc:
            raise bad_request(str(exc), slug="invalid-signature") from exc
        with problems():
            applied = await handle_stripe_event(uow_factory, gateway, event, "webhook")
        return {"received": True, "event_id": event.id, "duplicate": not applied}

    return router
