from typing import Literal

OverrideOutKind = Literal["closed", "extra", "replace"]

OVERRIDE_OUT_KIND_VALUES: set[OverrideOutKind] = {
    "closed",
    "extra",
    "replace",
}


def check_override_out_kind(value: str) -> OverrideOutKind:
    if value in OVERRIDE_OUT_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OVERRIDE_OUT_KIND_VALUES!r}")
