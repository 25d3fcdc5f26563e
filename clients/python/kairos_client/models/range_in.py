from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RangeIn")


@_attrs_define
class RangeIn:
    """
    Attributes:
        end (str): a time written HH:MM, 00:00 to 24:00
        start (str): a time written HH:MM, 00:00 to 24:00
    """

    end: str
    start: str

    def to_dict(self) -> dict[str, Any]:
        end = self.end

        start = self.start

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "end": end,
                "start": start,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        end = d.pop("end")

        start = d.pop("start")

        range_in = cls(
            end=end,
            start=start,
        )

        return range_in
