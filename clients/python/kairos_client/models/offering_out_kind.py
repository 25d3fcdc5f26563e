from typing import Literal

OfferingOutKind = Literal["one_time", "recurring"]

OFFERING_OUT_KIND_VALUES: set[OfferingOutKind] = {
    "one_time",
    "recurring",
}


def check_offering_out_kind(value: str) -> OfferingOutKind:
    if value in OFFERING_OUT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OFFERING_OUT_KIND_VALUES!r}")
