from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.override_out_kind import OverrideOutKind, check_override_out_kind

if TYPE_CHECKING:
    from ..models.range_out import RangeOut


T = TypeVar("T", bound="OverrideOut")


@_attrs_define
class OverrideOut:
    """
    Attributes:
        date (datetime.date):
        kind (OverrideOutKind):
        ranges (list[RangeOut]):
    """

    date: datetime.date
    kind: OverrideOutKind
    ranges: list[RangeOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        date = self.date.isoformat()

        kind: str = self.kind

        ranges = []
        for ranges_item_data in self.ranges:
            ranges_item = ranges_item_data.to_dict()
            ranges.append(ranges_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "date": date,
                "kind": kind,
                "ranges": ranges,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.range_out import RangeOut  # noqa: PLC0415

        d = dict(src_dict)
        date = datetime.date.fromisoformat(d.pop("date"))

        kind = check_override_out_kind(d.pop("kind"))

        ranges = []
        _ranges = d.pop("ranges")
        for ranges_item_data in _ranges:
            ranges_item = RangeOut.from_dict(ranges_item_data)

            ranges.append(ranges_item)

        override_out = cls(
            date=date,
            kind=kind,
            ranges=ranges,
        )

        override_out.additional_properties = d
        return override_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
