from typing import Literal

OfferingKind = Literal["one_time", "recurring"]

OFFERING_KIND_VALUES: set[OfferingKind] = {
    "one_time",
    "recurring",
}


def check_offering_kind(value: str) -> OfferingKind:
    if value in OFFERING_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OFFERING_KIND_VALUES!r}")
