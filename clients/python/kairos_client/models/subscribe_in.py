from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SubscribeIn")


@_attrs_define
class SubscribeIn:
    """Subscribe to a recurring offering, billed at the offering's price (never the
    client's).

        Attributes:
            offering_id (UUID):
            payment_method_id (str): The Stripe payment method to pay with (`pm_...`, from Stripe.js). Formerly
                `payment_method`, still accepted (deprecated).
            payment_method (str | Unset): Deprecated: the former name of `payment_method_id`.
    """

    offering_id: UUID
    payment_method_id: str
    payment_method: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        offering_id = str(self.offering_id)

        payment_method_id = self.payment_method_id

        payment_method = self.payment_method

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "offering_id": offering_id,
                "payment_method_id": payment_method_id,
            }
        )
        if payment_method is not UNSET:
            field_dict["payment_method"] = payment_method

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        offering_id = UUID(d.pop("offering_id"))

        payment_method_id = d.pop("payment_method_id")

        payment_method = d.pop("payment_method", UNSET)

        subscribe_in = cls(
            offering_id=offering_id,
            payment_method_id=payment_method_id,
            payment_method=payment_method,
        )

        return subscribe_in
