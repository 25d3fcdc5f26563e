from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.refund_out_status import RefundOutStatus, check_refund_out_status

T = TypeVar("T", bound="RefundOut")


@_attrs_define
class RefundOut:
    """Given back for the booking: money to the card, or (a credit payment) credits, whose
    count is ``credits_returned``. ``pending`` until Stripe (or the ledger) has made it.

        Attributes:
            amount_minor (int):
            created_at (datetime.datetime):
            credits_returned (int | None):
            reason (str):
            refund_id (UUID):
            status (RefundOutStatus):
    """

    amount_minor: int
    created_at: datetime.datetime
    credits_returned: int | None
    reason: str
    refund_id: UUID
    status: RefundOutStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        created_at = self.created_at.isoformat()

        credits_returned: int | None
        credits_returned = self.credits_returned

        reason = self.reason

        refund_id = str(self.refund_id)

        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "created_at": created_at,
                "credits_returned": credits_returned,
                "reason": reason,
                "refund_id": refund_id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_credits_returned(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        credits_returned = _parse_credits_returned(d.pop("credits_returned"))

        reason = d.pop("reason")

        refund_id = UUID(d.pop("refund_id"))

        status = check_refund_out_status(d.pop("status"))

        refund_out = cls(
            amount_minor=amount_minor,
            created_at=created_at,
            credits_returned=credits_returned,
            reason=reason,
            refund_id=refund_id,
            status=status,
        )

        refund_out.additional_properties = d
        return refund_out

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
