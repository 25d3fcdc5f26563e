from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.redriven_out import RedrivenOut


T = TypeVar("T", bound="RedriveAllOut")


@_attrs_define
class RedriveAllOut:
    """What re-driving every pending dead letter did (both lists empty: there were none).

    Attributes:
        left (list[RedrivenOut]): Unreadable records left pending: re-driving them would only fail again.
        redriven (list[RedrivenOut]): Written back to their topics.
    """

    left: list[RedrivenOut]
    redriven: list[RedrivenOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        left = []
        for left_item_data in self.left:
            left_item = left_item_data.to_dict()
            left.append(left_item)

        redriven = []
        for redriven_item_data in self.redriven:
            redriven_item = redriven_item_data.to_dict()
            redriven.append(redriven_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "left": left,
                "redriven": redriven,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.redriven_out import RedrivenOut  # noqa: PLC0415

        d = dict(src_dict)
        left = []
        _left = d.pop("left")
        for left_item_data in _left:
            left_item = RedrivenOut.from_dict(left_item_data)

            left.append(left_item)

        redriven = []
        _redriven = d.pop("redriven")
        for redriven_item_data in _redriven:
            redriven_item = RedrivenOut.from_dict(redriven_item_data)

            redriven.append(redriven_item)

        redrive_all_out = cls(
            left=left,
            redriven=redriven,
        )

        redrive_all_out.additional_properties = d
        return redrive_all_out

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
