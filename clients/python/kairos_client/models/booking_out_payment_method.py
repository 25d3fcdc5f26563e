from typing import Literal

BookingOutPaymentMethod = Literal["card", "credits", "subscription"]

BOOKING_OUT_PAYMENT_METHOD_VALUES: set[BookingOutPaymentMethod] = {
    "card",
    "credits",
    "subscription",
}


def check_booking_out_payment_method(value: str) -> BookingOutPaymentMethod:
    if value in BOOKING_OUT_PAYMENT_METHOD_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {BOOKING_OUT_PAYMENT_METHOD_VALUES!r}"
    )
