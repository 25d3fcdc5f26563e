from typing import Literal

ConnectionOutKind = Literal["caldav", "google"]

CONNECTION_OUT_KIND_VALUES: set[ConnectionOutKind] = {
    "caldav",
    "google",
}


def check_connection_out_kind(value: str) -> ConnectionOutKind:
    if value in CONNECTION_OUT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CONNECTION_OUT_KIND_VALUES!r}")
