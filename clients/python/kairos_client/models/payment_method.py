from typing import Literal

PaymentMethod = Literal["card", "credits", "subscription"]

PAYMENT_METHOD_VALUES: set[PaymentMethod] = {
    "card",
    "credits",
    "subscription",
}


def check_payment_method(value: str) -> PaymentMethod:
    if value in PAYMENT_METHOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PAYMENT_METHOD_VALUES!r}")
