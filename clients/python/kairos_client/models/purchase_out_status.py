from typing import Literal

PurchaseOutStatus = Literal["cancelled", "creating", "credited", "failed", "open"]

PURCHASE_OUT_STATUS_VALUES: set[PurchaseOutStatus] = {
    "cancelled",
    "creating",
    "credited",
    "failed",
    "open",
}


def check_purchase_out_status(value: str) -> PurchaseOutStatus:
    if value in PURCHASE_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PURCHASE_OUT_STATUS_VALUES!r}")
