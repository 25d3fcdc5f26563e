from typing import Literal

MarkedOutStatus = Literal["cancelled", "confirmed"]

MARKED_OUT_STATUS_VALUES: set[MarkedOutStatus] = {
    "cancelled",
    "confirmed",
}


def check_marked_out_status(value: str) -> MarkedOutStatus:
    if value in MARKED_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MARKED_OUT_STATUS_VALUES!r}")
