"""A person's statement: every payment, what was taken from the card and given back."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import AwareDatetime

from kairos_payments.entrypoints.deps import Owner, Uow
from kairos_payments.entrypoints.schemas import StatementLineOut
from kairos_platform.pagination import Page, PageQuery, page_of
from kairos_platform.problem_schema import AUTHENTICATED, problems

router = APIRouter(tags=["statement"])


@router.get("/me/payments", responses=problems(*AUTHENTICATED, 403, s403="Someone else's."))
async def my_payments(owner: Owner, page: PageQuery, uow: Uow) -> Page[StatementLineOut]:
    """Every payment of the user, newest first: checkouts, subscription cycles and
    credit packs, with the money taken from the card and given back to it."""
    lines = await uow.statements.lines(
        owner, page.limit + 1, before=page.key(AwareDatetime, uuid.UUID)
    )
    return page_of(lines, page.limit, lambda x: [x.created_at, x.payment_id], StatementLineOut.of)
