from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PatternEntryIn")


@_attrs_define
class PatternEntryIn:
    """One weekly session of a recurring offering, in the provider's zone.

    Attributes:
        time (str): a time written HH:MM, 00:00 to 24:00
        weekday (int): 0 = Monday ... 6 = Sunday
    """

    time: str
    weekday: int

    def to_dict(self) -> dict[str, Any]:
        time = self.time

        weekday = self.weekday

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "time": time,
                "weekday": weekday,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        time = d.pop("time")

        weekday = d.pop("weekday")

        pattern_entry_in = cls(
            time=time,
            weekday=weekday,
        )

        return pattern_entry_in
