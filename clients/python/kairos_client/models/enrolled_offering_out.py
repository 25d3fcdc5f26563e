from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.pattern_entry_out import PatternEntryOut


T = TypeVar("T", bound="EnrolledOfferingOut")


@_attrs_define
class EnrolledOfferingOut:
    """
    Attributes:
        currency (str):
        offering_id (UUID):
        pattern (list[PatternEntryOut]):
        price_minor (int):
        provider_id (UUID):
        title (str):
    """

    currency: str
    offering_id: UUID
    pattern: list[PatternEntryOut]
    price_minor: int
    provider_id: UUID
    title: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        offering_id = str(self.offering_id)

        pattern = []
        for pattern_item_data in self.pattern:
            pattern_item = pattern_item_data.to_dict()
            pattern.append(pattern_item)

        price_minor = self.price_minor

        provider_id = str(self.provider_id)

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "offering_id": offering_id,
                "pattern": pattern,
                "price_minor": price_minor,
                "provider_id": provider_id,
                "title": title,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pattern_entry_out import PatternEntryOut  # noqa: PLC0415

        d = dict(src_dict)
        currency = d.pop("currency")

        offering_id = UUID(d.pop("offering_id"))

        pattern = []
        _pattern = d.pop("pattern")
        for pattern_item_data in _pattern:
            pattern_item = PatternEntryOut.from_dict(pattern_item_data)

            pattern.append(pattern_item)

        price_minor = d.pop("price_minor")

        provider_id = UUID(d.pop("provider_id"))

        title = d.pop("title")

        enrolled_offering_out = cls(
            currency=currency,
            offering_id=offering_id,
            pattern=pattern,
            price_minor=price_minor,
            provider_id=provider_id,
            title=title,
        )

        enrolled_offering_out.additional_properties = d
        return enrolled_offering_out

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
