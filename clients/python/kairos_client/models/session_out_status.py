from typing import Literal

SessionOutStatus = Literal["cancelled", "confirmed"]

SESSION_OUT_STATUS_VALUES: set[SessionOutStatus] = {
    "cancelled",
    "confirmed",
}


def check_session_out_status(value: str) -> SessionOutStatus:
    if value in SESSION_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SESSION_OUT_STATUS_VALUES!r}")
