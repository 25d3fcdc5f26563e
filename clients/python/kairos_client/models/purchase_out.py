from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.purchase_out_status import PurchaseOutStatus, check_purchase_out_status

T = TypeVar("T", bound="PurchaseOut")


@_attrs_define
class PurchaseOut:
    """A credit pack purchase; ``credited`` once the credits are on the balance.

    Attributes:
        amount_minor (int):
        client_secret (None | str):
        credits_ (int):
        currency (str):
        pack (str):
        payment_intent_id (None | str):
        purchase_id (UUID):
        status (PurchaseOutStatus):
    """

    amount_minor: int
    client_secret: None | str
    credits_: int
    currency: str
    pack: str
    payment_intent_id: None | str
    purchase_id: UUID
    status: PurchaseOutStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        client_secret: None | str
        client_secret = self.client_secret

        credits_ = self.credits_

        currency = self.currency

        pack = self.pack

        payment_intent_id: None | str
        payment_intent_id = self.payment_intent_id

        purchase_id = str(self.purchase_id)

        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "client_secret": client_secret,
                "credits": credits_,
                "currency": currency,
                "pack": pack,
                "payment_intent_id": payment_intent_id,
                "purchase_id": purchase_id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        def _parse_client_secret(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_secret = _parse_client_secret(d.pop("client_secret"))

        credits_ = d.pop("credits")

        currency = d.pop("currency")

        pack = d.pop("pack")

        def _parse_payment_intent_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        payment_intent_id = _parse_payment_intent_id(d.pop("payment_intent_id"))

        purchase_id = UUID(d.pop("purchase_id"))

        status = check_purchase_out_status(d.pop("status"))

        purchase_out = cls(
            amount_minor=amount_minor,
            client_secret=client_secret,
            credits_=credits_,
            currency=currency,
            pack=pack,
            payment_intent_id=payment_intent_id,
            purchase_id=purchase_id,
            status=status,
        )

        purchase_out.additional_properties = d
        return purchase_out

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
