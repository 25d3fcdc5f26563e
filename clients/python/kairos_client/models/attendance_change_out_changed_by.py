from typing import Literal

AttendanceChangeOutChangedBy = Literal["admin", "mentor", "system"]

ATTENDANCE_CHANGE_OUT_CHANGED_BY_VALUES: set[AttendanceChangeOutChangedBy] = {
    "admin",
    "mentor",
    "system",
}


def check_attendance_change_out_changed_by(value: str) -> AttendanceChangeOutChangedBy:
    if value in ATTENDANCE_CHANGE_OUT_CHANGED_BY_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {ATTENDANCE_CHANGE_OUT_CHANGED_BY_VALUES!r}"
    )
