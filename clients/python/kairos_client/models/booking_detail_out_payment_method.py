from typing import Literal

BookingDetailOutPaymentMethod = Literal["card", "credits", "subscription"]

BOOKING_DETAIL_OUT_PAYMENT_METHOD_VALUES: set[BookingDetailOutPaymentMethod] = {
    "card",
    "credits",
    "subscription",
}


def check_booking_detail_out_payment_method(value: str) -> BookingDetailOutPaymentMethod:
    if value in BOOKING_DETAIL_OUT_PAYMENT_METHOD_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {BOOKING_DETAIL_OUT_PAYMENT_METHOD_VALUES!r}"
    )
