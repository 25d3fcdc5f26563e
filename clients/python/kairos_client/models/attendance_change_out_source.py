from typing import Literal

AttendanceChangeOutSource = Literal["join", "mentor", "sweep"]

ATTENDANCE_CHANGE_OUT_SOURCE_VALUES: set[AttendanceChangeOutSource] = {
    "join",
    "mentor",
    "sweep",
}


def check_attendance_change_out_source(value: str) -> AttendanceChangeOutSource:
    if value in ATTENDANCE_CHANGE_OUT_SOURCE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {ATTENDANCE_CHANGE_OUT_SOURCE_VALUES!r}"
    )
