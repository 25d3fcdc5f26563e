from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.weekly_range_in import WeeklyRangeIn


T = TypeVar("T", bound="WeeklyHoursIn")


@_attrs_define
class WeeklyHoursIn:
    """
    Attributes:
        weekly (list[WeeklyRangeIn]):
    """

    weekly: list[WeeklyRangeIn]

    def to_dict(self) -> dict[str, Any]:
        weekly = []
        for weekly_item_data in self.weekly:
            weekly_item = weekly_item_data.to_dict()
            weekly.append(weekly_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "weekly": weekly,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.weekly_range_in import WeeklyRangeIn  # noqa: PLC0415

        d = dict(src_dict)
        weekly = []
        _weekly = d.pop("weekly")
        for weekly_item_data in _weekly:
            weekly_item = WeeklyRangeIn.from_dict(weekly_item_data)

            weekly.append(weekly_item)

        weekly_hours_in = cls(
            weekly=weekly,
        )

        return weekly_hours_in
