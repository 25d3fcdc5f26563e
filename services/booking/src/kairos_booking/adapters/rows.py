"""Row <-> dataclass mapping shared by the SQL repositories."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


_FIELDS: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, read once per class (batches map thousands of rows)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def to_obj(cls: type[T], row: Any) -> T:
    """Build dataclass ``cls`` from the row's columns of the same names."""
    mapping = row._mapping
    return cls(**{n: mapping[n] for n in field_names(cls) if n in mapping})


def to_row(obj: Any) -> dict[str, Any]:
    """Deep (``dataclasses.asdict``): nested dataclasses become dicts, values are copied."""
    return dataclasses.asdict(obj)


def to_flat_row(obj: Any) -> dict[str, Any]:
    """Shallow, for dataclasses whose fields are all flat values: ``asdict`` deep-copies
    every UUID and datetime, which cost booking's batch handler much of its Python
    (bench/README.md, consumer)."""
    return {n: getattr(obj, n) for n in field_names(type(obj))}
