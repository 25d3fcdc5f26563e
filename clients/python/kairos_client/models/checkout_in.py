from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.checkout_in_method import CheckoutInMethod, check_checkout_in_method
from ..types import UNSET, Unset

T = TypeVar("T", bound="CheckoutIn")


@_attrs_define
class CheckoutIn:
    """Pay for a hold. By card: without ``payment_method_id`` the answer carries the
    PaymentIntent's client secret for the browser (Stripe.js) to confirm; with it the card
    is confirmed here and the answer says how it went. With credits: the hold's price in
    credits is debited at once.

        Attributes:
            hold_id (UUID):
            method (CheckoutInMethod | Unset): How the hold is paid. Default: 'card'.
            payment_method (None | str | Unset): Deprecated: the former name of `payment_method_id`.
            payment_method_id (None | str | Unset): The Stripe payment method to pay with (`pm_...`, from Stripe.js).
                Formerly `payment_method`, still accepted (deprecated).
    """

    hold_id: UUID
    method: CheckoutInMethod | Unset = "card"
    payment_method: None | str | Unset = UNSET
    payment_method_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        hold_id = str(self.hold_id)

        method: str | Unset = UNSET
        if not isinstance(self.method, Unset):
            method = self.method

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

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "hold_id": hold_id,
            }
        )
        if method is not UNSET:
            field_dict["method"] = method
        if payment_method is not UNSET:
            field_dict["payment_method"] = payment_method
        if payment_method_id is not UNSET:
            field_dict["payment_method_id"] = payment_method_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        hold_id = UUID(d.pop("hold_id"))

        _method = d.pop("method", UNSET)
        method: CheckoutInMethod | Unset
        if isinstance(_method, Unset):
            method = UNSET
        else:
            method = check_checkout_in_method(_method)

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

        checkout_in = cls(
            hold_id=hold_id,
            method=method,
            payment_method=payment_method,
            payment_method_id=payment_method_id,
        )

        return checkout_in
