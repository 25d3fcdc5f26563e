from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.slot_out import SlotOut


T = TypeVar("T", bound="SlotsOut")


@_attrs_define
class SlotsOut:
    """Written by hand in ``views.slots_json`` (it is hot); this documents its shape.

    Attributes:
        offering_id (UUID):
        slots (list[SlotOut]):
        time_zone (str):
    """

    offering_id: UUID
    slots: list[SlotOut]
    time_zone: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        offering_id = str(self.offering_id)

        slots = []
        for slots_item_data in self.slots:
            slots_item = slots_item_data.to_dict()
            slots.append(slots_item)

        time_zone = self.time_zone

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "offering_id": offering_id,
                "slots": slots,
                "time_zone": time_zone,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.slot_out import SlotOut  # noqa: PLC0415

        d = dict(src_dict)
        offering_id = UUID(d.pop("offering_id"))

        slots = []
        _slots = d.pop("slots")
        for slots_item_data in _slots:
            slots_item = SlotOut.from_dict(slots_item_data)

            slots.append(slots_item)

        time_zone = d.pop("time_zone")

        slots_out = cls(
            offering_id=offering_id,
            slots=slots,
            time_zone=time_zone,
        )

        slots_out.additional_properties = d
        return slots_out

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
