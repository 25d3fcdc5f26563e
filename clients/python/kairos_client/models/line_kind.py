from typing import Literal

LineKind = Literal["checkout", "credit_pack", "cycle"]

LINE_KIND_VALUES: set[LineKind] = {
    "checkout",
    "credit_pack",
    "cycle",
}


def check_line_kind(value: str) -> LineKind:
    if value in LINE_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LINE_KIND_VALUES!r}")
