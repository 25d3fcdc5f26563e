from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ledger_reason import LedgerReason, check_ledger_reason

T = TypeVar("T", bound="LedgerEntryOut")


@_attrs_define
class LedgerEntryOut:
    """One move of the balance: ``reference`` is what caused it (a payment, a purchase,
    a refund, a rejected subscription occurrence).

        Attributes:
            at (datetime.datetime):
            balance_after (int):
            delta (int):
            reason (LedgerReason): Why a ledger entry moved the balance.
            reference (UUID):
    """

    at: datetime.datetime
    balance_after: int
    delta: int
    reason: LedgerReason
    reference: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        balance_after = self.balance_after

        delta = self.delta

        reason: str = self.reason

        reference = str(self.reference)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "balance_after": balance_after,
                "delta": delta,
                "reason": reason,
                "reference": reference,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        balance_after = d.pop("balance_after")

        delta = d.pop("delta")

        reason = check_ledger_reason(d.pop("reason"))

        reference = UUID(d.pop("reference"))

        ledger_entry_out = cls(
            at=at,
            balance_after=balance_after,
            delta=delta,
            reason=reason,
            reference=reference,
        )

        ledger_entry_out.additional_properties = d
        return ledger_entry_out

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
