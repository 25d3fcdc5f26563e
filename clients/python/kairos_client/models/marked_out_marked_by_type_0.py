from typing import Literal

MarkedOutMarkedByType0 = Literal["admin", "mentor", "system"]

MARKED_OUT_MARKED_BY_TYPE_0_VALUES: set[MarkedOutMarkedByType0] = {
    "admin",
    "mentor",
    "system",
}


def check_marked_out_marked_by_type_0(value: str) -> MarkedOutMarkedByType0:
    if value in MARKED_OUT_MARKED_BY_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {MARKED_OUT_MARKED_BY_TYPE_0_VALUES!r}"
    )
