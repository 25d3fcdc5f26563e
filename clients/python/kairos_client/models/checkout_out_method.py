from typing import Literal

CheckoutOutMethod = Literal["card", "credits"]

CHECKOUT_OUT_METHOD_VALUES: set[CheckoutOutMethod] = {
    "card",
    "credits",
}


def check_checkout_out_method(value: str) -> CheckoutOutMethod:
    if value in CHECKOUT_OUT_METHOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CHECKOUT_OUT_METHOD_VALUES!r}")
