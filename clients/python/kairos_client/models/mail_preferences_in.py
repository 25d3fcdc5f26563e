from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.topic import Topic, check_topic

T = TypeVar("T", bound="MailPreferencesIn")


@_attrs_define
class MailPreferencesIn:
    """The whole choice, replacing the one before (null: the session's provider's zone, or
    English). Receipts are not a topic: they always come.

        Attributes:
            locale (None | str):
            time_zone (None | str): An IANA zone (`Europe/Madrid`).
            unsubscribed (list[Topic]): The topics whose mails stop (a repeat counts once).
    """

    locale: None | str
    time_zone: None | str
    unsubscribed: list[Topic]

    def to_dict(self) -> dict[str, Any]:
        locale: None | str
        locale = self.locale

        time_zone: None | str
        time_zone = self.time_zone

        unsubscribed = []
        for unsubscribed_item_data in self.unsubscribed:
            unsubscribed_item: str = unsubscribed_item_data
            unsubscribed.append(unsubscribed_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "locale": locale,
                "time_zone": time_zone,
                "unsubscribed": unsubscribed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

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

        unsubscribed = []
        _unsubscribed = d.pop("unsubscribed")
        for unsubscribed_item_data in _unsubscribed:
            unsubscribed_item = check_topic(unsubscribed_item_data)

            unsubscribed.append(unsubscribed_item)

        mail_preferences_in = cls(
            locale=locale,
            time_zone=time_zone,
            unsubscribed=unsubscribed,
        )

        return mail_preferences_in
