from typing import Literal

OverrideKind = Literal["closed", "extra", "replace"]

OVERRIDE_KIND_VALUES: set[OverrideKind] = {
    "closed",
    "extra",
    "replace",
}


def check_override_kind(value: str) -> OverrideKind:
    if value in OVERRIDE_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OVERRIDE_KIND_VALUES!r}")
