"""Subscriptions: subscribe, unsubscribe, reactivate (the mentee's and the admin's routes
run the same handler), and a mentee's list."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import AwareDatetime

from kairos_payments.domain.subscriptions import Subscription, SubscriptionStatus
from kairos_payments.entrypoints.deps import (
    Gateway,
    Owner,
    Settings,
    Uow,
    Uows,
    caller,
)
from kairos_payments.entrypoints.schemas import SubscribeIn, SubscriptionOut
from kairos_payments.service_layer import subscribe as sub
from kairos_payments.service_layer import subscription_changes as changes
from kairos_payments.service_layer.ports import UowFactory
from kairos_platform.auth import AdminOnly, MenteeOrAdmin, Principal
from kairos_platform.pagination import Page, PageQuery, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["subscriptions"])

_ACCEPTED: dict[int | str, dict[str, Any]] = {
    status.HTTP_202_ACCEPTED: {
        "model": SubscriptionOut,
        "description": "Recorded; Stripe was away, so it is still `cancelling` or "
        "`reactivating` and reconciliation finishes it.",
    }
}
_CHANGE = {
    "s403": "Someone else's subscription (`not-owner`), or not your role.",
    "s404": "No such subscription (`unknown-subscription`).",
}


@router.post(
    "/subscriptions",
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        *AUTHENTICATED,
        402,
        403,
        404,
        409,
        422,
        s402="The card was refused (`payment-refused`); nothing stays subscribed.",
        s403="Not a mentee.",
        s404="No such offering, or not yet known here, or not on sale (`unknown-offering`): "
        "an offering published a moment ago is waited for (OFFERING_WAIT_S) first.",
        s409="You have a subscription to this offering (`already-subscribed`, naming it: "
        "a cancelled one is reactivated).",
        s422="Invalid input, or a one-time offering (`not-recurring`).",
        s503="Stripe or the database is unavailable; retry after `Retry-After`.",
    ),
)
async def subscribe(
    body: SubscribeIn, user: MenteeOrAdmin, uows: Uows, gateway: Gateway, settings: Settings
) -> SubscriptionOut:
    """Subscribe to a recurring offering at its price: the first cycle is paid now
    (`active`)."""
    r = await sub.subscribe(
        uows,
        gateway,
        offering_id=body.offering_id,
        mentee_id=user.user_id,
        payment_method=body.payment_method_id,
        wait_s=settings.offering_wait_s,
        contact=user.contact(),
    )
    return SubscriptionOut.of(r.subscription, r.offering_title)


async def _answer(uows: UowFactory, s: Subscription) -> SubscriptionOut:
    """The subscription with its offering's title, as the list gives it."""
    async with uows() as uow:
        offering = await uow.offerings.get(s.offering_id)
    return SubscriptionOut.of(s, offering.title if offering is not None else None)


async def _settled(response: Response, s: Subscription, uows: UowFactory) -> SubscriptionOut:
    # Still waiting for Stripe (it was away): accepted, reconciliation finishes it.
    if s.status in (SubscriptionStatus.CANCELLING, SubscriptionStatus.REACTIVATING):
        response.status_code = status.HTTP_202_ACCEPTED
    return await _answer(uows, s)


@router.post(
    "/subscriptions/{subscription_id}/cancel",
    responses={
        **_ACCEPTED,
        **problems(
            *AUTHENTICATED,
            403,
            404,
            409,
            s409="Not active (`not-active`).",
            **_CHANGE,
        ),
    },
)
async def unsubscribe(
    subscription_id: uuid.UUID,
    user: MenteeOrAdmin,
    response: Response,
    uows: Uows,
    gateway: Gateway,
) -> SubscriptionOut:
    """Unsubscribe: the Stripe subscription is cancelled at once and nothing paid is
    refunded. A repeat answers the same."""
    s = await changes.unsubscribe(uows, gateway, subscription_id, caller(user))
    return await _settled(response, s, uows)


async def _reactivate(
    subscription_id: uuid.UUID, user: Principal, response: Response, uows: Uows, gateway: Gateway
) -> SubscriptionOut:
    s = await changes.reactivate(uows, gateway, subscription_id, caller(user))
    return await _settled(response, s, uows)


_REACTIVATE = {
    **_ACCEPTED,
    **problems(
        *AUTHENTICATED,
        402,
        403,
        404,
        409,
        s402="The card was refused (`payment-refused`): it stays cancelled.",
        s409="Not cancelled (`not-cancelled`); nothing was written.",
        **_CHANGE,
    ),
}


@router.post("/subscriptions/{subscription_id}/reactivate", responses=_REACTIVATE)
async def reactivate_subscription(
    subscription_id: uuid.UUID,
    user: MenteeOrAdmin,
    response: Response,
    uows: Uows,
    gateway: Gateway,
) -> SubscriptionOut:
    """Billing resumes (after the paid cycle, if one still runs) and the sessions
    cancelled by the unsubscribe come back."""
    return await _reactivate(subscription_id, user, response, uows, gateway)


@router.post("/admin/subscriptions/{subscription_id}/reactivate", responses=_REACTIVATE)
async def admin_reactivate_subscription(
    subscription_id: uuid.UUID,
    user: AdminOnly,
    response: Response,
    uows: Uows,
    gateway: Gateway,
) -> SubscriptionOut:
    """The same as the mentee's reactivation, by an admin."""
    return await _reactivate(subscription_id, user, response, uows, gateway)


@router.get("/me/subscriptions", responses=problems(*AUTHENTICATED, 403, s403="Someone else's."))
async def my_subscriptions(owner: Owner, page: PageQuery, uow: Uow) -> Page[SubscriptionOut]:
    """The user's subscriptions, oldest first, with their offerings' titles."""
    rows = await uow.subscriptions.of_mentee(
        owner, after=page.key(AwareDatetime, uuid.UUID), limit=page.limit + 1
    )
    return page_of(
        rows,
        page.limit,
        lambda x: [x.created_at, x.subscription.subscription_id],
        lambda x: SubscriptionOut.of(x.subscription, x.offering_title),
    )
