from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SlotOut")


@_attrs_define
class SlotOut:
    """
    Attributes:
        capacity (int):
        ends_at (datetime.datetime):
        free (int): Seats left; 0 when full (a full slot is still listed).
        local_start (datetime.datetime): The start in the provider's zone.
        starts_at (datetime.datetime):
    """

    capacity: int
    ends_at: datetime.datetime
    free: int
    local_start: datetime.datetime
    starts_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        capacity = self.capacity

        ends_at = self.ends_at.isoformat()

        free = self.free

        local_start = self.local_start.isoformat()

        starts_at = self.starts_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "capacity": capacity,
                "ends_at": ends_at,
                "free": free,
                "local_start": local_start,
                "starts_at": starts_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        capacity = d.pop("capacity")

        ends_at = datetime.datetime.fromisoformat(d.pop("ends_at"))

        free = d.pop("free")

        local_start = datetime.datetime.fromisoformat(d.pop("local_start"))

        starts_at = datetime.datetime.fromisoformat(d.pop("starts_at"))

        slot_out = cls(
            capacity=capacity,
            ends_at=ends_at,
            free=free,
            local_start=local_start,
            starts_at=starts_at,
        )

        slot_out.additional_properties = d
        return slot_out

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
