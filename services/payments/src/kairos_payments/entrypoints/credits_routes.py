"""Credits: a balance with its ledger, and credit packs bought by card."""

from __future__ import annotations

from fastapi import APIRouter, status

from kairos_payments.entrypoints.deps import Gateway, Owner, Uows
from kairos_payments.entrypoints.schemas import (
    CreditsOut,
    LedgerEntryOut,
    PurchaseIn,
    PurchaseOut,
)
from kairos_payments.service_layer import credits
from kairos_platform.auth import CurrentUser
from kairos_platform.pagination import PageQuery, Serial, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(prefix="/credits", tags=["credits"])


@router.get("", responses=problems(*AUTHENTICATED, 403, s403="Someone else's credits."))
async def get_credits(owner: Owner, page: PageQuery, uows: Uows) -> CreditsOut:
    """The credit balance and its ledger, newest entry first; `limit` and `cursor` page
    the ledger (`ledger.next_cursor`)."""
    before = page.key(Serial)
    found = await credits.balance_and_ledger(
        uows, owner, before=before[0] if before else None, limit=page.limit + 1
    )
    ledger = page_of(found.ledger, page.limit, lambda e: [e.entry_id], LedgerEntryOut.of)
    return CreditsOut.of(found, ledger)


@router.post(
    "/purchases",
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        *AUTHENTICATED,
        402,
        403,
        404,
        s402="Stripe refused the payment (`payment-refused`).",
        s403="This `purchase_id` is someone else's (`not-owner`).",
        s404="No such pack (`unknown-pack`).",
        s503="Stripe or the database is unavailable; retry after `Retry-After`.",
    ),
)
async def buy_credit_pack(
    body: PurchaseIn, user: CurrentUser, uows: Uows, gateway: Gateway
) -> PurchaseOut:
    """Buy a credit pack: a PaymentIntent (captured at once) for the pack's price. With
    `payment_method_id` it is confirmed here (`credited` when paid); else the browser
    confirms it with `client_secret`. The same `purchase_id` again is the same purchase."""
    r = await credits.purchase_pack(
        uows,
        gateway,
        user_id=user.user_id,
        pack=body.pack,
        purchase_id=body.purchase_id,
        payment_method=body.payment_method_id,
        contact=user.contact(),
    )
    return PurchaseOut.of(r)
