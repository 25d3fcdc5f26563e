from typing import Literal

LedgerReason = Literal["occurrence_unavailable", "payment", "purchase", "return"]

LEDGER_REASON_VALUES: set[LedgerReason] = {
    "occurrence_unavailable",
    "payment",
    "purchase",
    "return",
}


def check_ledger_reason(value: str) -> LedgerReason:
    if value in LEDGER_REASON_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LEDGER_REASON_VALUES!r}")
