from typing import Literal

BookingOutStatus = Literal["cancelled", "confirmed"]

BOOKING_OUT_STATUS_VALUES: set[BookingOutStatus] = {
    "cancelled",
    "confirmed",
}


def check_booking_out_status(value: str) -> BookingOutStatus:
    if value in BOOKING_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {BOOKING_OUT_STATUS_VALUES!r}")
