from typing import Literal

SessionOutMarkedByType0 = Literal["admin", "mentor", "system"]

SESSION_OUT_MARKED_BY_TYPE_0_VALUES: set[SessionOutMarkedByType0] = {
    "admin",
    "mentor",
    "system",
}


def check_session_out_marked_by_type_0(value: str) -> SessionOutMarkedByType0:
    if value in SESSION_OUT_MARKED_BY_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SESSION_OUT_MARKED_BY_TYPE_0_VALUES!r}"
    )
