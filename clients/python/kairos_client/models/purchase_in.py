from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PurchaseIn")


@_attrs_define
class PurchaseIn:
    """Buy a credit pack (`starter`: 5 credits, `standard`: 10, `pro`: 25).

    Attributes:
        pack (str):
        payment_method (None | str | Unset): Deprecated: the former name of `payment_method_id`.
        payment_method_id (None | str | Unset): The Stripe payment method to pay with (`pm_...`, from Stripe.js).
            Formerly `payment_method`, still accepted (deprecated).
        purchase_id (None | Unset | UUID): Chosen by the client to make a retry the same purchase.
    """

    pack: str
    payment_method: None | str | Unset = UNSET
    payment_method_id: None | str | Unset = UNSET
    purchase_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        pack = self.pack

        payment_method: None | str | Unset
        if isinstance(self.payment_method, Unset):
            payment_method = UNSET
        else:
            payment_method = self.payment_method

        payment_method_id: None | str | Unset
        if isinstance(self.payment_method_id, Unset):
            payment_method_id = UNSET
        else:
            payment_method_id = self.payment_method_id

        purchase_id: None | str | Unset
        if isinstance(self.purchase_id, Unset):
            purchase_id = UNSET
        elif isinstance(self.purchase_id, UUID):
            purchase_id = str(self.purchase_id)
        else:
            purchase_id = self.purchase_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "pack": pack,
            }
        )
        if payment_method is not UNSET:
            field_dict["payment_method"] = payment_method
        if payment_method_id is not UNSET:
            field_dict["payment_method_id"] = payment_method_id
        if purchase_id is not UNSET:
            field_dict["purchase_id"] = purchase_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        pack = d.pop("pack")

        def _parse_payment_method(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        payment_method = _parse_payment_method(d.pop("payment_method", UNSET))

        def _parse_payment_method_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        payment_method_id = _parse_payment_method_id(d.pop("payment_method_id", UNSET))

        def _parse_purchase_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                purchase_id_type_0 = UUID(data)

                return purchase_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        purchase_id = _parse_purchase_id(d.pop("purchase_id", UNSET))

        purchase_in = cls(
            pack=pack,
            payment_method=payment_method,
            payment_method_id=payment_method_id,
            purchase_id=purchase_id,
        )

        return purchase_in
