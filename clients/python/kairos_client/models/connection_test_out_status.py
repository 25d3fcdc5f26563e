from typing import Literal

ConnectionTestOutStatus = Literal["active", "broken"]

CONNECTION_TEST_OUT_STATUS_VALUES: set[ConnectionTestOutStatus] = {
    "active",
    "broken",
}


def check_connection_test_out_status(value: str) -> ConnectionTestOutStatus:
    if value in CONNECTION_TEST_OUT_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CONNECTION_TEST_OUT_STATUS_VALUES!r}"
    )
