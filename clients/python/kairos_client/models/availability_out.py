from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.override_out import OverrideOut
    from ..models.weekly_range_out import WeeklyRangeOut


T = TypeVar("T", bound="AvailabilityOut")


@_attrs_define
class AvailabilityOut:
    """
    Attributes:
        overrides (list[OverrideOut]):
        weekly (list[WeeklyRangeOut]):
    """

    overrides: list[OverrideOut]
    weekly: list[WeeklyRangeOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        overrides = []
        for overrides_item_data in self.overrides:
            overrides_item = overrides_item_data.to_dict()
            overrides.append(overrides_item)

        weekly = []
        for weekly_item_data in self.weekly:
            weekly_item = weekly_item_data.to_dict()
            weekly.append(weekly_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "overrides": overrides,
                "weekly": weekly,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.override_out import OverrideOut  # noqa: PLC0415
        from ..models.weekly_range_out import WeeklyRangeOut  # noqa: PLC0415

        d = dict(src_dict)
        overrides = []
        _overrides = d.pop("overrides")
        for overrides_item_data in _overrides:
            overrides_item = OverrideOut.from_dict(overrides_item_data)

            overrides.append(overrides_item)

        weekly = []
        _weekly = d.pop("weekly")
        for weekly_item_data in _weekly:
            weekly_item = WeeklyRangeOut.from_dict(weekly_item_data)

            weekly.append(weekly_item)

        availability_out = cls(
            overrides=overrides,
            weekly=weekly,
        )

        availability_out.additional_properties = d
        return availability_out

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
