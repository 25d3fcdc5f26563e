"""HTTP routes of subscriptions: subscribe, unsubscribe, reactivate (mentee and admin
routes run the same handler), and the mentee's list. Routes only translate."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from kairos_payments.domain.subscriptions import Subscription, SubscriptionStatus
from kairos_payments.entrypoints.http import problems
from kairos_payments.service_layer import subscribe as sub
from kairos_payments.service_layer import subscription_changes as changes
from kairos_payments.service_layer.checkout import Caller
from kairos_payments.service_layer.gateway import StripeGateway
from kairos_payments.service_layer.rounds import CardRefused
from kairos_payments.service_layer.unit_of_work import ServiceUnitOfWork
from kairos_payments.settings import PaymentsSettings
from kairos_platform.auth import (
    AdminOnly,
    CurrentUser,
    MenteeOrAdmin,
    Principal,
    ensure_owner,
    is_admin,
)
from kairos_platform.problems import (
    Problem,
    conflict,
    forbidden,
    not_found,
    unprocessable,
)

UowFactory = Callable[[], ServiceUnitOfWork]


class SubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an amount, say, is refused outright

    offering_id: uuid.UUID
    payment_method: str = Field(pattern=r"^pm_[A-Za-z0-9_]{1,200}$")


@contextmanager
def subscription_problems() -> Iterator[None]:
    try:
        with problems():  # Stripe away (503) / refused (402)
            yield
    except sub.OfferingNotYetKnown as exc:
        raise conflict(
            "The offering is not known here yet; retry in a moment.",
            slug="offering-not-ready",
            headers={"Retry-After": "1"},
            retry_after_s=1,
        ) from exc
    except sub.OfferingUnavailable as exc:
        raise not_found("The offering is not on sale.", slug="unknown-offering") from exc
    except sub.NotRecurring as exc:
        raise unprocessable(
            "Only a recurring offering can be subscribed to.", slug="not-recurring"
        ) from exc
    except sub.AlreadySubscribed as exc:
        raise conflict(
            "You have a subscription to this offering.",
            slug="already-subscribed",
            subscription_id=str(exc.existing.subscription_id),
            subscription_status=exc.existing.status.value,
        ) from exc
    except (CardRefused, changes.Refused) as exc:
        raise Problem(
            402, "Payment refused", "The card was refused.", slug="payment-refused"
        ) from exc
    except changes.UnknownSubscription as exc:
        raise not_found("There is no such subscription.", slug="unknown-subscription") from exc
    except changes.NotYourSubscription as exc:
        raise forbidden("This subscription belongs to someone else.", slug="not-owner") from exc
    except changes.NotCancellable as exc:
        raise conflict(
            f"A subscription that is {exc} cannot be cancelled.", slug="not-active"
        ) from exc
    except changes.NotCancelled as exc:
        raise conflict(
            f"Only a cancelled subscription can be reactivated; this one is {exc}.",
            slug="not-cancelled",
        ) from exc


def subscription_body(s: Subscription, title: str | None = None) -> dict[str, Any]:
    period = None
    if s.current_period_start and s.current_period_end:
        period = {
            "starts_at": s.current_period_start.isoformat(),
            "ends_at": s.current_period_end.isoformat(),
        }
    return {
        "subscription_id": str(s.subscription_id),
        "offering_id": str(s.offering_id),
        "offering_title": title,
        "mentee_id": str(s.mentee_id),
        "status": s.status.value,
        "amount_minor": s.amount_minor,
        "currency": s.currency,
        "stripe_subscription_id": s.stripe_subscription_id,
        "current_period": period,
        "unsubscribed_at": s.unsubscribed_at.isoformat() if s.unsubscribed_at else None,
        "cancelled_by": s.cancelled_by,
    }


def _caller(user: Principal) -> Caller:
    return Caller(user.user_id, is_admin=is_admin(user))


def _settled(response: Response, s: Subscription) -> dict[str, Any]:
    # Still waiting for Stripe (it was away): accepted, reconciliation finishes it.
    if s.status in (SubscriptionStatus.CANCELLING, SubscriptionStatus.REACTIVATING):
        response.status_code = status.HTTP_202_ACCEPTED
    return subscription_body(s)


def subscriptions_router(
    uow_factory: UowFactory, gateway: StripeGateway, settings: PaymentsSettings
) -> APIRouter:
    router = APIRouter(tags=["subscriptions"])

    @router.post("/subscriptions", status_code=status.HTTP_201_CREATED)
    async def create(body: SubscribeIn, user: MenteeOrAdmin) -> dict[str, Any]:
        with subscription_problems():
            r = await sub.subscribe(
                uow_factory,
                gateway,
                offering_id=body.offering_id,
                mentee_id=user.user_id,
                payment_method=body.payment_method,
                wait_s=settings.offering_wait_s,
                contact=user.contact(),
            )
        return subscription_body(r.subscription)

    @router.post("/subscriptions/{subscription_id}/cancel")
    async def cancel(
        subscription_id: uuid.UUID, user: MenteeOrAdmin, response: Response
    ) -> dict[str, Any]:
        with subscription_problems():
            s = await changes.unsubscribe(uow_factory, gateway, subscription_id, _caller(user))
        return _settled(response, s)

    async def _reactivate(
        subscription_id: uuid.UUID, user: Principal, response: Response
    ) -> dict[str, Any]:
        with subscription_problems():
            s = await changes.reactivate(uow_factory, gateway, subscription_id, _caller(user))
        return _settled(response, s)

    @router.post("/subscriptions/{subscription_id}/reactivate")
    async def reactivate_own(
        subscription_id: uuid.UUID, user: MenteeOrAdmin, response: Response
    ) -> dict[str, Any]:
        return await _reactivate(subscription_id, user, response)

    @router.post("/admin/subscriptions/{subscription_id}/reactivate")
    async def reactivate_as_admin(
        subscription_id: uuid.UUID, user: AdminOnly, response: Response
    ) -> dict[str, Any]:
        return await _reactivate(subscription_id, user, response)

    @router.get("/me/subscriptions")
    async def mine(user: CurrentUser, user_id: uuid.UUID | None = None) -> dict[str, Any]:
        owner = user_id or user.user_id
        ensure_owner(user, owner)
        async with uow_factory() as uow:
            rows = await uow.subscriptions.of_mentee(owner)
            known = {r.offering_id: await uow.offerings.get(r.offering_id) for r in rows}
        titles = {k: o.title if o else None for k, o in known.items()}
        return {
            "user_id": str(owner),
            "subscriptions": [subscription_body(r, titles[r.offering_id]) for r in rows],
        }

    return router
