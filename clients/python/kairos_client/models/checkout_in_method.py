from typing import Literal

CheckoutInMethod = Literal["card", "credits"]

CHECKOUT_IN_METHOD_VALUES: set[CheckoutInMethod] = {
    "card",
    "credits",
}


def check_checkout_in_method(value: str) -> CheckoutInMethod:
    if value in CHECKOUT_IN_METHOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CHECKOUT_IN_METHOD_VALUES!r}")
