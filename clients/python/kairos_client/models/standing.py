from typing import Literal

Standing = Literal["active", "reprobated", "warned"]

STANDING_VALUES: set[Standing] = {
    "active",
    "reprobated",
    "warned",
}


def check_standing(value: str) -> Standing:
    if value in STANDING_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {STANDING_VALUES!r}")
