from typing import Literal

EnrollmentOutStatus = Literal["active", "unsubscribed"]

ENROLLMENT_OUT_STATUS_VALUES: set[EnrollmentOutStatus] = {
    "active",
    "unsubscribed",
}


def check_enrollment_out_status(value: str) -> EnrollmentOutStatus:
    if value in ENROLLMENT_OUT_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ENROLLMENT_OUT_STATUS_VALUES!r}")
