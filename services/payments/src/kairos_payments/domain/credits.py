"""Credit packs: prepaid credits bought with money, spent on sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kairos_platform.refusals import PaymentRequired


@dataclass(frozen=True)
class CreditPack:
    name: str
    credits: int
    amount_minor: int
    currency: str


#: The packs on sale. Prices are decided here, never by the client.
PACKS: dict[str, CreditPack] = {
    p.name: p
    for p in (
        CreditPack("starter", 5, 5000, "EUR"),
        CreditPack("standard", 10, 9000, "EUR"),
        CreditPack("pro", 25, 20000, "EUR"),
    )
}


class LedgerReason(StrEnum):
    """Why a ledger entry moved the balance."""

    PURCHASE = "purchase"
    PAYMENT = "payment"
    RETURN = "return"
    # A paid subscription occurrence booking could not seat: credits instead of money
    # (billing continues per the contract, so nothing is refunded).
    OCCURRENCE_UNAVAILABLE = "occurrence_unavailable"


@dataclass(frozen=True)
class LedgerEntry:
    """One move of a balance; ``entry_id`` orders them (a later entry, a higher id)."""

    entry_id: int
    delta: int
    balance_after: int
    reason: LedgerReason
    reference: uuid.UUID
    created_at: datetime


@dataclass(frozen=True)
class CreditPurchase:
    purchase_id: uuid.UUID
    user_id: uuid.UUID
    pack: str
    credits: int
    amount_minor: int
    currency: str
    status: str  # creating | open | credited | failed | cancelled
    stripe_payment_intent_id: str | None = None
    #: the buyer's contact from their token, for the receipt (None when it carried none)
    payer_email: str | None = None
    payer_name: str | None = None


class InsufficientCredits(PaymentRequired):
    """Too few credits for a payment (402 ``insufficient-credits``, with both counts)."""

    default_slug = "insufficient-credits"

    def __init__(self, needed: int, balance: int) -> None:
        super().__init__(
            f"{needed} credits are needed; the balance is {balance}.",
            needed=needed,
            balance=balance,
        )
        self.needed = needed
        self.balance = balance
