from typing import Literal

BookingDetailOutStatus = Literal["cancelled", "confirmed"]

BOOKING_DETAIL_OUT_STATUS_VALUES: set[BookingDetailOutStatus] = {
    "cancelled",
    "confirmed",
}


def check_booking_detail_out_status(value: str) -> BookingDetailOutStatus:
    if value in BOOKING_DETAIL_OUT_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {BOOKING_DETAIL_OUT_STATUS_VALUES!r}"
    )
