from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.hold_out_status import HoldOutStatus, check_hold_out_status

T = TypeVar("T", bound="HoldOut")


@_attrs_define
class HoldOut:
    """
    Attributes:
        amount_minor (int): The price booking decided: checkout charges it.
        currency (str):
        ends_at (datetime.datetime):
        expires_at (datetime.datetime): Pay before this, or the seat goes back.
        hold_id (UUID):
        local_start (datetime.datetime): The start in the provider's zone.
        offering_id (UUID):
        offering_title (str):
        price_in_credits (int | None):
        provider_id (UUID):
        provider_name (str):
        provider_time_zone (str):
        starts_at (datetime.datetime):
        status (HoldOutStatus):
    """

    amount_minor: int
    currency: str
    ends_at: datetime.datetime
    expires_at: datetime.datetime
    hold_id: UUID
    local_start: datetime.datetime
    offering_id: UUID
    offering_title: str
    price_in_credits: int | None
    provider_id: UUID
    provider_name: str
    provider_time_zone: str
    starts_at: datetime.datetime
    status: HoldOutStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        currency = self.currency

        ends_at = self.ends_at.isoformat()

        expires_at = self.expires_at.isoformat()

        hold_id = str(self.hold_id)

        local_start = self.local_start.isoformat()

        offering_id = str(self.offering_id)

        offering_title = self.offering_title

        price_in_credits: int | None
        price_in_credits = self.price_in_credits

        provider_id = str(self.provider_id)

        provider_name = self.provider_name

        provider_time_zone = self.provider_time_zone

        starts_at = self.starts_at.isoformat()

        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "currency": currency,
                "ends_at": ends_at,
                "expires_at": expires_at,
                "hold_id": hold_id,
                "local_start": local_start,
                "offering_id": offering_id,
                "offering_title": offering_title,
                "price_in_credits": price_in_credits,
                "provider_id": provider_id,
                "provider_name": provider_name,
                "provider_time_zone": provider_time_zone,
                "starts_at": starts_at,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        currency = d.pop("currency")

        ends_at = datetime.datetime.fromisoformat(d.pop("ends_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        hold_id = UUID(d.pop("hold_id"))

        local_start = datetime.datetime.fromisoformat(d.pop("local_start"))

        offering_id = UUID(d.pop("offering_id"))

        offering_title = d.pop("offering_title")

        def _parse_price_in_credits(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        price_in_credits = _parse_price_in_credits(d.pop("price_in_credits"))

        provider_id = UUID(d.pop("provider_id"))

        provider_name = d.pop("provider_name")

        provider_time_zone = d.pop("provider_time_zone")

        starts_at = datetime.datetime.fromisoformat(d.pop("starts_at"))

        status = check_hold_out_status(d.pop("status"))

        hold_out = cls(
            amount_minor=amount_minor,
            currency=currency,
            ends_at=ends_at,
            expires_at=expires_at,
            hold_id=hold_id,
            local_start=local_start,
            offering_id=offering_id,
            offering_title=offering_title,
            price_in_credits=price_in_credits,
            provider_id=provider_id,
            provider_name=provider_name,
            provider_time_zone=provider_time_zone,
            starts_at=starts_at,
            status=status,
        )

        hold_out.additional_properties = d
        return hold_out

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
