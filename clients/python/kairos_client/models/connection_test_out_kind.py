from typing import Literal

ConnectionTestOutKind = Literal["caldav", "google"]

CONNECTION_TEST_OUT_KIND_VALUES: set[ConnectionTestOutKind] = {
    "caldav",
    "google",
}


def check_connection_test_out_kind(value: str) -> ConnectionTestOutKind:
    if value in CONNECTION_TEST_OUT_KIND_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CONNECTION_TEST_OUT_KIND_VALUES!r}"
    )
