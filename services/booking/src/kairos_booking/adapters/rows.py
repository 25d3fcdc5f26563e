"""Row <-> dataclass mapping shared by the SQL repositories."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def to_obj(cls: type[T], row: Any) -> T:
    """Build dataclass ``cls`` from the row's columns of the same names."""
    mapping = row._mapping
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    return cls(**{n: mapping[n] for n in names if n in mapping})


def to_row(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)
