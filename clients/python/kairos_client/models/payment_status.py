from typing import Literal

PaymentStatus = Literal[
    "cancelled",
    "cancelling",
    "captured",
    "capturing",
    "create_failed",
    "creating",
    "failed",
    "open",
    "verified",
    "voided",
    "voiding",
]

PAYMENT_STATUS_VALUES: set[PaymentStatus] = {
    "cancelled",
    "cancelling",
    "captured",
    "capturing",
    "create_failed",
    "creating",
    "failed",
    "open",
    "verified",
    "voided",
    "voiding",
}


def check_payment_status(value: str) -> PaymentStatus:
    if value in PAYMENT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PAYMENT_STATUS_VALUES!r}")
