from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.booking_payment_out import BookingPaymentOut


T = TypeVar("T", bound="BookingPaymentsOut")


@_attrs_define
class BookingPaymentsOut:
    """What paid a booking (one payment: its checkout or its cycle) and its refunds.

    Attributes:
        booking_id (UUID):
        payments (list[BookingPaymentOut]):
    """

    booking_id: UUID
    payments: list[BookingPaymentOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        booking_id = str(self.booking_id)

        payments = []
        for payments_item_data in self.payments:
            payments_item = payments_item_data.to_dict()
            payments.append(payments_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "booking_id": booking_id,
                "payments": payments,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.booking_payment_out import BookingPaymentOut  # noqa: PLC0415

        d = dict(src_dict)
        booking_id = UUID(d.pop("booking_id"))

        payments = []
        _payments = d.pop("payments")
        for payments_item_data in _payments:
            payments_item = BookingPaymentOut.from_dict(payments_item_data)

            payments.append(payments_item)

        booking_payments_out = cls(
            booking_id=booking_id,
            payments=payments,
        )

        booking_payments_out.additional_properties = d
        return booking_payments_out

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
