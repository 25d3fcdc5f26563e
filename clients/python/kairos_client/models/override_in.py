from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.override_kind import OverrideKind, check_override_kind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.range_in import RangeIn


T = TypeVar("T", bound="OverrideIn")


@_attrs_define
class OverrideIn:
    """
    Attributes:
        kind (OverrideKind):
        ranges (list[RangeIn] | Unset):
    """

    kind: OverrideKind
    ranges: list[RangeIn] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        kind: str = self.kind

        ranges: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.ranges, Unset):
            ranges = []
            for ranges_item_data in self.ranges:
                ranges_item = ranges_item_data.to_dict()
                ranges.append(ranges_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "kind": kind,
            }
        )
        if ranges is not UNSET:
            field_dict["ranges"] = ranges

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.range_in import RangeIn  # noqa: PLC0415

        d = dict(src_dict)
        kind = check_override_kind(d.pop("kind"))

        _ranges = d.pop("ranges", UNSET)
        ranges: list[RangeIn] | Unset = UNSET
        if _ranges is not UNSET:
            ranges = []
            for ranges_item_data in _ranges:
                ranges_item = RangeIn.from_dict(ranges_item_data)

                ranges.append(ranges_item)

        override_in = cls(
            kind=kind,
            ranges=ranges,
        )

        return override_in
