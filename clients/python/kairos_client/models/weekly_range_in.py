from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="WeeklyRangeIn")


@_attrs_define
class WeeklyRangeIn:
    """
    Attributes:
        end (str): a time written HH:MM, 00:00 to 24:00
        start (str): a time written HH:MM, 00:00 to 24:00
        weekday (int): 0 = Monday ... 6 = Sunday
    """

    end: str
    start: str
    weekday: int

    def to_dict(self) -> dict[str, Any]:
        end = self.end

        start = self.start

        weekday = self.weekday

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "end": end,
                "start": start,
                "weekday": weekday,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        end = d.pop("end")

        start = d.pop("start")

        weekday = d.pop("weekday")

        weekly_range_in = cls(
            end=end,
            start=start,
            weekday=weekday,
        )

        return weekly_range_in
