from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.booking_out import BookingOut


T = TypeVar("T", bound="ScheduleOut")


@_attrs_define
class ScheduleOut:
    """A provider's bookings in a range of their local dates, a page at a time.

    Attributes:
        bookings (list[BookingOut]):
        has_more (bool):
        next_cursor (None | str):
        provider_id (UUID):
        time_zone (str):
    """

    bookings: list[BookingOut]
    has_more: bool
    next_cursor: None | str
    provider_id: UUID
    time_zone: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bookings = []
        for bookings_item_data in self.bookings:
            bookings_item = bookings_item_data.to_dict()
            bookings.append(bookings_item)

        has_more = self.has_more

        next_cursor: None | str
        next_cursor = self.next_cursor

        provider_id = str(self.provider_id)

        time_zone = self.time_zone

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bookings": bookings,
                "has_more": has_more,
                "next_cursor": next_cursor,
                "provider_id": provider_id,
                "time_zone": time_zone,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.booking_out import BookingOut  # noqa: PLC0415

        d = dict(src_dict)
        bookings = []
        _bookings = d.pop("bookings")
        for bookings_item_data in _bookings:
            bookings_item = BookingOut.from_dict(bookings_item_data)

            bookings.append(bookings_item)

        has_more = d.pop("has_more")

        def _parse_next_cursor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor"))

        provider_id = UUID(d.pop("provider_id"))

        time_zone = d.pop("time_zone")

        schedule_out = cls(
            bookings=bookings,
            has_more=has_more,
            next_cursor=next_cursor,
            provider_id=provider_id,
            time_zone=time_zone,
        )

        schedule_out.additional_properties = d
        return schedule_out

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
