from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.topic import Topic, check_topic
from ..types import UNSET, Unset

T = TypeVar("T", bound="UnsubscribedOut")


@_attrs_define
class UnsubscribedOut:
    """One topic stopped by a one-click link (RFC 8058).

    Attributes:
        topic (Topic): What a person may unsubscribe from.
        unsubscribed (bool | Unset):  Default: True.
    """

    topic: Topic
    unsubscribed: bool | Unset = True
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        topic: str = self.topic

        unsubscribed = self.unsubscribed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "topic": topic,
            }
        )
        if unsubscribed is not UNSET:
            field_dict["unsubscribed"] = unsubscribed

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        topic = check_topic(d.pop("topic"))

        unsubscribed = d.pop("unsubscribed", UNSET)

        unsubscribed_out = cls(
            topic=topic,
            unsubscribed=unsubscribed,
        )

        unsubscribed_out.additional_properties = d
        return unsubscribed_out

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
