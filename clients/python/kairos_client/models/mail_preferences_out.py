from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.topic import Topic, check_topic

T = TypeVar("T", bound="MailPreferencesOut")


@_attrs_define
class MailPreferencesOut:
    """The person's mail preferences. Until they choose (``chosen`` false) the zone and
    locale are what their sign-in token said, if it said.

        Attributes:
            chosen (bool): Set through this API (tokens no longer change it).
            locale (None | str): null: English.
            time_zone (None | str): null: each session's provider's zone.
            topics (list[Topic]): Every topic one may unsubscribe from.
            unsubscribed (list[Topic]):
    """

    chosen: bool
    locale: None | str
    time_zone: None | str
    topics: list[Topic]
    unsubscribed: list[Topic]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        chosen = self.chosen

        locale: None | str
        locale = self.locale

        time_zone: None | str
        time_zone = self.time_zone

        topics = []
        for topics_item_data in self.topics:
            topics_item: str = topics_item_data
            topics.append(topics_item)

        unsubscribed = []
        for unsubscribed_item_data in self.unsubscribed:
            unsubscribed_item: str = unsubscribed_item_data
            unsubscribed.append(unsubscribed_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "chosen": chosen,
                "locale": locale,
                "time_zone": time_zone,
                "topics": topics,
                "unsubscribed": unsubscribed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        chosen = d.pop("chosen")

        def _parse_locale(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        locale = _parse_locale(d.pop("locale"))

        def _parse_time_zone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        time_zone = _parse_time_zone(d.pop("time_zone"))

        topics = []
        _topics = d.pop("topics")
        for topics_item_data in _topics:
            topics_item = check_topic(topics_item_data)

            topics.append(topics_item)

        unsubscribed = []
        _unsubscribed = d.pop("unsubscribed")
        for unsubscribed_item_data in _unsubscribed:
            unsubscribed_item = check_topic(unsubscribed_item_data)

            unsubscribed.append(unsubscribed_item)

        mail_preferences_out = cls(
            chosen=chosen,
            locale=locale,
            time_zone=time_zone,
            topics=topics,
            unsubscribed=unsubscribed,
        )

        mail_preferences_out.additional_properties = d
        return mail_preferences_out

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
