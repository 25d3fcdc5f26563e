from typing import Literal

JoinedOutStatus = Literal["cancelled", "confirmed"]

JOINED_OUT_STATUS_VALUES: set[JoinedOutStatus] = {
    "cancelled",
    "confirmed",
}


def check_joined_out_status(value: str) -> JoinedOutStatus:
    if value in JOINED_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JOINED_OUT_STATUS_VALUES!r}")
