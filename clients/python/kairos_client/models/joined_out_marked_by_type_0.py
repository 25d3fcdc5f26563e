from typing import Literal

JoinedOutMarkedByType0 = Literal["admin", "mentor", "system"]

JOINED_OUT_MARKED_BY_TYPE_0_VALUES: set[JoinedOutMarkedByType0] = {
    "admin",
    "mentor",
    "system",
}


def check_joined_out_marked_by_type_0(value: str) -> JoinedOutMarkedByType0:
    if value in JOINED_OUT_MARKED_BY_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOINED_OUT_MARKED_BY_TYPE_0_VALUES!r}"
    )
